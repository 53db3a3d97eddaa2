package io.clusteragent.bench;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.KubeGateway;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent as production runs it (the packaged jar, the image's JVM flags and AOT cache, 512Mi)
 * against the same API server used directly, side by side in one run: start-up, memory, kubectl
 * through the tunnel, concurrent unary GETs, watch latency, list streaming, log streaming and the
 * agent's CPU time. Writes {@code figures.json} and {@code figures.md}; asserts nothing.
 *
 * <p>Usage: {@code AgentVsDirectBench REPO [--quick] [--out DIR] [--docs] [--profile] [--only
 * startup,kubectl,unary,watch,list,logs]}.
 */
public final class AgentVsDirectBench {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final MediaType MERGE_PATCH = MediaType.get("application/merge-patch+json");
  private static final String CLUSTER = "bench";

  /** How much of everything; the quick scale only proves the harness produces every figure. */
  record Scale(
      String name,
      int startupRuns,
      Duration settle,
      int configMaps,
      int listRuns,
      int concurrency,
      Duration unaryDuration,
      int watchRate,
      int watchEvents,
      int logRuns,
      int oneLogBytes,
      int logStreams,
      int perStreamLogBytes) {

    static final Scale FULL =
        new Scale(
            "full",
            3,
            Duration.ofSeconds(5),
            5000,
            5,
            64,
            Duration.ofSeconds(30),
            300,
            10_000,
            3,
            100 << 20,
            50,
            4 << 20);
    static final Scale QUICK =
        new Scale(
            "quick",
            1,
            Duration.ofSeconds(1),
            100,
            1,
            4,
            Duration.ofSeconds(2),
            50,
            100,
            1,
            1 << 20,
            3,
            128 << 10);
  }

  /** The figure ids a run produces: the quick-mode test checks every one is there. */
  static final List<String> FIGURE_IDS =
      List.of(
          "startup.ready",
          "startup.ready.aot",
          "memory.rss.idle",
          "memory.heap.idle",
          "kubectl.get.all.configmaps",
          "unary.throughput",
          "unary.latency.p50",
          "unary.latency.p99",
          "cpu.per.1000.requests",
          "watch.latency.p50",
          "watch.latency.p99",
          "cpu.per.10000.watch.events",
          "list.all.configmaps",
          "logs.one.stream",
          "logs.concurrent.streams",
          "memory.rss.peak");

  private final TestEnvironment env;
  private final Scale scale;
  private final Figures figures;
  private final Path work;
  private final boolean profiled;
  private final String run = Long.toString(System.nanoTime(), 36);

  AgentVsDirectBench(TestEnvironment env, Scale scale, Path work, boolean profiled) {
    this.env = env;
    this.profiled = profiled;
    this.scale = scale;
    this.work = work;
    this.figures =
        new Figures(
            Runtime.getRuntime().availableProcessors()
                + " cores, Java "
                + Runtime.version()
                + ", "
                + LocalDate.now(),
            scale.name());
  }

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
    List<String> options = Arrays.asList(args);
    Scale scale = options.contains("--quick") ? Scale.QUICK : Scale.FULL;
    if (options.contains("--docs") && (options.contains("--only") || scale == Scale.QUICK)) {
      throw new IllegalArgumentException(
          "--docs takes a whole full run: not with --only or --quick");
    }
    int out = options.indexOf("--out");
    Path outDir = out >= 0 ? Path.of(args[out + 1]) : repo.resolve("agent-bench/target/bench");
    TestEnvironment env =
        TestEnvironment.start(repo, repo.resolve("agent-bench/target/testenv"), false);
    try {
      Figures figures =
          new AgentVsDirectBench(env, scale, outDir.resolve("work"), options.contains("--profile"))
              .only(only(args))
              .run(repo);
      figures.write(outDir.resolve("figures.json"), outDir.resolve("figures.md"));
      System.out.println("figures written to " + outDir.resolve("figures.json") + " and .md");
      if (options.contains("--docs")) {
        BenchDocs.update(repo.resolve("docs/benchmarks.md"), figures);
      }
    } finally {
      env.close();
    }
  }

  /**
   * Groups of figures to measure ({@code --only startup,unary}, for profiling one thing at a time);
   * empty means all of them.
   */
  private Set<String> only = Set.of();

  AgentVsDirectBench only(Set<String> groups) {
    this.only = Set.copyOf(groups);
    return this;
  }

  private boolean measures(String group) {
    return only.isEmpty() || only.contains(group);
  }

  private static Set<String> only(String[] args) {
    List<String> options = Arrays.asList(args);
    int at = options.indexOf("--only");
    return at < 0 ? Set.of() : Set.of(args[at + 1].split(","));
  }

  Figures run(Path repo) throws Exception {
    PackagedAgent agent = PackagedAgent.prepare(repo, work);
    if (measures("startup")) {
      startup(agent);
    }
    seed();
    // --profile: a flight recording of the agent under the load below, for finding what is slow
    List<String> profile =
        profiled
            ? List.of(
                "-XX:StartFlightRecording=filename="
                    + work.resolve("agent.jfr")
                    + ",settings=profile,dumponexit=true")
            : List.of();
    try (PackagedAgent.Running running = agent.start(env, true, CLUSTER, "agent", profile);
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, PlatformClient.DEFAULT_PREFIX, CLUSTER, env.platformSigner());
        KubeGateway gateway =
            new KubeGateway(
                platform,
                env.adminUser(),
                List.of("system:masters"),
                0,
                new PrintStream(OutputStream.nullOutputStream()))) {
      running.awaitReady();
      gateway.serveInBackground();
      Path gatewayKubeconfig =
          Files.writeString(work.resolve("gateway.kubeconfig"), gateway.kubeconfig(CLUSTER));
      if (measures("kubectl")) {
        kubectlGetAll(gatewayKubeconfig);
      }
      if (measures("unary")) {
        unary(running, gatewayKubeconfig);
      }
      if (measures("watch")) {
        watch(running, platform);
      }
      if (measures("list")) {
        list(platform);
      }
      if (measures("logs")) {
        logs(platform);
      }
      figures.add(
          "memory.rss.peak",
          "agent peak RSS (VmHWM) after all of the above",
          "MB",
          Figures.Stats.of(running.peakRssBytes() / 1e6),
          null,
          "≤ 300 MiB");
    }
    return figures;
  }

  // ------------------------------------------------------------------ 1, 2: start-up and memory

  private void startup(PackagedAgent agent) throws Exception {
    for (boolean cache : new boolean[] {false, true}) {
      double[] ready = new double[scale.startupRuns()];
      double[] rss = new double[scale.startupRuns()];
      double[] heap = new double[scale.startupRuns()];
      for (int i = 0; i < ready.length; i++) {
        try (PackagedAgent.Running running =
            agent.start(env, cache, "startup-" + run, "startup-" + cache + "-" + i)) {
          ready[i] = running.awaitReady().toNanos() / 1e9;
          Thread.sleep(scale.settle().toMillis());
          rss[i] = running.rssBytes() / 1e6;
          heap[i] = running.heapUsedBytes() / 1e6;
        }
      }
      if (cache) {
        figures.add(
            "startup.ready.aot",
            "start to /readyz 200, with the AOT cache",
            "s",
            Figures.Stats.of(ready),
            null,
            "≤ 1.0 s");
        figures.add(
            "memory.rss.idle",
            "RSS " + scale.settle().toSeconds() + " s after ready (AOT cache)",
            "MB",
            Figures.Stats.of(rss),
            null,
            "≤ 128 MiB");
        figures.add(
            "memory.heap.idle",
            "heap in use " + scale.settle().toSeconds() + " s after ready (AOT cache)",
            "MB",
            Figures.Stats.of(heap),
            null,
            null);
      } else {
        figures.add(
            "startup.ready",
            "start to /readyz 200, without the AOT cache",
            "s",
            Figures.Stats.of(ready),
            null,
            null);
      }
    }
  }

  // ------------------------------------------------------------------ seed

  private String seedNamespace(int n) {
    return "bench-" + run + "-" + n;
  }

  private void seed() throws Exception {
    CoreV1Api api = new CoreV1Api(env.adminApiClient());
    String data = "x".repeat(1024);
    try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
      List<Future<?>> creates = new ArrayList<>();
      for (int n = 0; n < 10; n++) {
        String ns = seedNamespace(n);
        api.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
        for (int i = 0; i < scale.configMaps() / 10; i++) {
          String name = "cm-" + i;
          creates.add(
              pool.submit(() ->
                  api.createNamespacedConfigMap(
                          ns,
                          new V1ConfigMap()
                              .metadata(new V1ObjectMeta().name(name))
                              .data(Map.of("payload", data)))
                      .execute()));
        }
      }
      for (Future<?> create : creates) {
        create.get();
      }
    }
  }

  // ------------------------------------------------------------------ 3: kubectl and unary GETs

  private void kubectlGetAll(Path gatewayKubeconfig) throws Exception {
    double[] direct = new double[scale.listRuns()];
    double[] via = new double[scale.listRuns()];
    for (int i = -1; i < direct.length; i++) {
      double d = timeKubectl(env.adminKubeconfig());
      double v = timeKubectl(gatewayKubeconfig);
      if (i >= 0) {
        direct[i] = d;
        via[i] = v;
      }
    }
    figures.add(
        "kubectl.get.all.configmaps",
        "kubectl get configmaps -A -o json (" + scale.configMaps() + "+ objects)",
        "ms",
        Figures.Stats.of(via),
        Figures.Stats.of(direct),
        "ratio ≤ 1.2");
  }

  private double timeKubectl(Path kubeconfig) {
    long start = System.nanoTime();
    CommandResult result =
        env.run(
            List.of(
                env.kubectl().toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "get",
                "configmaps",
                "-A",
                "-o",
                "json"));
    long elapsed = System.nanoTime() - start;
    result.assertSuccess();
    if (!result.stdout().contains("\"cm-0\"")) {
      throw new IllegalStateException("kubectl listed none of the seeded ConfigMaps");
    }
    return elapsed / 1e6;
  }

  private void unary(PackagedAgent.Running agent, Path gatewayKubeconfig) throws Exception {
    Latencies direct = unaryLoad(TestEnvironment.apiClient(env.adminKubeconfig()));
    double cpuBefore = agent.cpuSeconds();
    Latencies via = unaryLoad(TestEnvironment.apiClient(gatewayKubeconfig));
    double cpu = agent.cpuSeconds() - cpuBefore;
    String load =
        scale.concurrency() + " concurrent GETs for " + scale.unaryDuration().toSeconds() + " s";
    figures.add(
        "unary.throughput",
        load + ": throughput",
        "req/s",
        Figures.Stats.of(via.count() / (double) scale.unaryDuration().toSeconds()),
        Figures.Stats.of(direct.count() / (double) scale.unaryDuration().toSeconds()),
        "ratio ≥ 0.8");
    figures.add(
        "unary.latency.p50",
        load + ": p50 latency",
        "ms",
        Figures.Stats.of(via.percentile(50)),
        Figures.Stats.of(direct.percentile(50)),
        "≤ 0.5 ms added");
    figures.add(
        "unary.latency.p99",
        load + ": p99 latency",
        "ms",
        Figures.Stats.of(via.percentile(99)),
        Figures.Stats.of(direct.percentile(99)),
        null);
    figures.add(
        "cpu.per.1000.requests",
        "agent CPU per 1,000 tunnelled GETs",
        "s",
        Figures.Stats.of(cpu / via.count() * 1000),
        null,
        null);
  }

  /**
   * GETs of seeded ConfigMaps from {@link Scale#concurrency} threads for the set duration, each
   * read into the client's model as a client would.
   */
  private Latencies unaryLoad(ApiClient client) throws Exception {
    client.setHttpClient(
        client
            .getHttpClient()
            .newBuilder()
            .connectionPool(new ConnectionPool(scale.concurrency(), 5, TimeUnit.MINUTES))
            .build());
    CoreV1Api api = new CoreV1Api(client);
    Latencies all = new Latencies();
    long until = System.nanoTime() + scale.unaryDuration().toNanos();
    try (ExecutorService pool = Executors.newFixedThreadPool(scale.concurrency())) {
      List<Future<Latencies>> workers = new ArrayList<>();
      for (int t = 0; t < scale.concurrency(); t++) {
        int thread = t;
        workers.add(
            pool.submit(() -> {
              Latencies mine = new Latencies();
              int i = thread;
              while (System.nanoTime() < until) {
                String ns = seedNamespace(i % 10);
                String name = "cm-" + (i / 10) % (scale.configMaps() / 10);
                long start = System.nanoTime();
                if (api.readNamespacedConfigMap(name, ns).execute().getData() == null) {
                  throw new IllegalStateException(ns + "/" + name + " came back without its data");
                }
                mine.add(System.nanoTime() - start);
                i += scale.concurrency();
              }
              return mine;
            }));
      }
      for (Future<Latencies> worker : workers) {
        all.addAll(worker.get());
      }
    }
    return all;
  }

  // ------------------------------------------------------------------ 4: watch latency

  /**
   * A writer changes ConfigMaps at a steady rate, stamping each change with the time it was sent; a
   * platform-side client watching through the agent and a client watching the API server directly
   * each note when the change arrives.
   */
  private void watch(PackagedAgent.Running agent, PlatformClient platform) throws Exception {
    String ns = "bench-watch-" + run;
    CoreV1Api api = new CoreV1Api(env.adminApiClient());
    api.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    int objects = 50;
    for (int i = 0; i < objects; i++) {
      api.createNamespacedConfigMap(
              ns,
              new V1ConfigMap().metadata(new V1ObjectMeta().name("w-" + i)).data(Map.of("t", "0")))
          .execute();
    }
    Latencies viaAgent = new Latencies();
    Latencies direct = new Latencies();
    ObjectNode target =
        JSON.createObjectNode().put("group", "").put("version", "v1").put("resource", "configmaps");
    target.put("namespace", ns);
    PlatformStream stream =
        platform.openStream("resources.watch", target, 64, Duration.ofMinutes(30));
    Thread agentReader = Thread.ofPlatform().start(() -> readAgentWatch(stream, viaAgent));
    OkHttpClient http =
        env.adminApiClient().getHttpClient().newBuilder().readTimeout(Duration.ZERO).build();
    Response directWatch =
        http.newCall(
                new Request.Builder()
                    .url(
                        env.adminApiClient().getBasePath()
                            + "/api/v1/namespaces/"
                            + ns
                            + "/configmaps?watch=1")
                    .build())
            .execute();
    Thread directReader =
        Thread.ofPlatform().start(() -> readDirectWatch(directWatch.body().byteStream(), direct));
    Thread.sleep(1000); // both watches open and past their initial ADDED events

    double cpuBefore = agent.cpuSeconds();
    OkHttpClient writer =
        env.adminApiClient()
            .getHttpClient()
            .newBuilder()
            .connectionPool(new ConnectionPool(16, 5, TimeUnit.MINUTES))
            .build();
    long intervalNanos = 1_000_000_000L / scale.watchRate();
    long begin = System.nanoTime();
    try (ExecutorService writes = Executors.newFixedThreadPool(16)) {
      for (int i = 0; i < scale.watchEvents(); i++) {
        long due = begin + i * intervalNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        String name = "w-" + (i % objects);
        writes.submit(() -> {
          String body = "{\"data\":{\"t\":\"" + System.nanoTime() + "\"}}";
          try (Response r =
              writer
                  .newCall(
                      new Request.Builder()
                          .url(
                              env.adminApiClient().getBasePath()
                                  + "/api/v1/namespaces/"
                                  + ns
                                  + "/configmaps/"
                                  + name)
                          .patch(RequestBody.create(body, MERGE_PATCH))
                          .build())
                  .execute()) {
            if (r.code() != 200) {
              throw new IllegalStateException("PATCH answered " + r.code());
            }
          }
          return null;
        });
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while ((viaAgent.count() < scale.watchEvents() || direct.count() < scale.watchEvents())
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    double cpu = agent.cpuSeconds() - cpuBefore;
    stream.close();
    directWatch.close();
    agentReader.join(5000);
    directReader.join(5000);
    if (viaAgent.count() < scale.watchEvents() || direct.count() < scale.watchEvents()) {
      throw new IllegalStateException(
          "watch events missing: "
              + viaAgent.count()
              + " via the agent, "
              + direct.count()
              + " direct, of "
              + scale.watchEvents());
    }
    String what = scale.watchRate() + " changes/s, " + scale.watchEvents() + " events";
    figures.add(
        "watch.latency.p50",
        "watch event latency p50 (" + what + ")",
        "ms",
        Figures.Stats.of(viaAgent.percentile(50)),
        Figures.Stats.of(direct.percentile(50)),
        null);
    figures.add(
        "watch.latency.p99",
        "watch event latency p99 (" + what + ")",
        "ms",
        Figures.Stats.of(viaAgent.percentile(99)),
        Figures.Stats.of(direct.percentile(99)),
        "≤ 20 ms");
    figures.add(
        "cpu.per.10000.watch.events",
        "agent CPU per 10,000 watch events",
        "s",
        Figures.Stats.of(cpu / viaAgent.count() * 10_000),
        null,
        null);
  }

  private static void readAgentWatch(PlatformStream stream, Latencies into) {
    try {
      Frame frame;
      while ((frame = stream.next(Duration.ofSeconds(90))) != null && !frame.terminal()) {
        if (frame.kind() == FrameKind.DATA) {
          long now = System.nanoTime();
          for (String line : new String(frame.body(), StandardCharsets.UTF_8).split("\n")) {
            stamp(line, now, into);
          }
        }
      }
    } catch (Exception ended) {
      // closed by the bench once every change arrived
    }
  }

  private static void readDirectWatch(InputStream events, Latencies into) {
    try (var reader =
        new java.io.BufferedReader(new java.io.InputStreamReader(events, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        stamp(line, System.nanoTime(), into);
      }
    } catch (Exception ended) {
      // closed by the bench once every change arrived
    }
  }

  private static void stamp(String line, long now, Latencies into) {
    if (line.isBlank()) {
      return;
    }
    JsonNode event = JSON.readTree(line);
    String sent = event.path("object").path("data").path("t").asString("0");
    if ("MODIFIED".equals(event.path("type").asString("")) && !"0".equals(sent)) {
      into.add(now - Long.parseLong(sent));
    }
  }

  // ------------------------------------------------------------------ 5: list streaming

  private void list(PlatformClient platform) throws Exception {
    double[] direct = new double[scale.listRuns()];
    double[] via = new double[scale.listRuns()];
    for (int i = -1; i < direct.length; i++) {
      long start = System.nanoTime();
      int directItems = directList(env.adminApiClient());
      long middle = System.nanoTime();
      int agentItems =
          platform
              .list(
                  JSON.createObjectNode()
                      .put("group", "")
                      .put("version", "v1")
                      .put("resource", "configmaps"),
                  Duration.ofMinutes(5),
                  Duration.ofSeconds(30))
              .items()
              .size();
      long end = System.nanoTime();
      if (agentItems < scale.configMaps() || directItems < scale.configMaps()) {
        throw new IllegalStateException("lists short: " + agentItems + " / " + directItems);
      }
      if (i >= 0) {
        direct[i] = (middle - start) / 1e6;
        via[i] = (end - middle) / 1e6;
      }
    }
    figures.add(
        "list.all.configmaps",
        "all ConfigMaps through resources.list vs a paging client",
        "ms",
        Figures.Stats.of(via),
        Figures.Stats.of(direct),
        null);
  }

  /** A direct client's list: pages of 500, each parsed, as client-go's pager does. */
  private static int directList(ApiClient client) throws Exception {
    int items = 0;
    String next = "";
    do {
      String url =
          client.getBasePath()
              + "/api/v1/configmaps?limit=500"
              + (next.isEmpty() ? "" : "&continue=" + java.net.URLEncoder.encode(next, "UTF-8"));
      try (Response response =
          client.getHttpClient().newCall(new Request.Builder().url(url).build()).execute()) {
        JsonNode page = JSON.readTree(response.body().byteStream());
        items += page.path("items").size();
        next = page.path("metadata").path("continue").asString("");
      }
    } while (!next.isEmpty());
    return items;
  }

  // ------------------------------------------------------------------ 6: log streaming

  private void logs(PlatformClient platform) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "bench-logs");
    List<String> pods = Workloads.deployAndAwaitPodNames(env, ns, "logs", scale.logStreams());
    fillLog(ns, pods.get(0), scale.oneLogBytes());
    for (String pod : pods.subList(1, pods.size())) {
      fillLog(ns, pod, scale.perStreamLogBytes());
    }
    for (String pod : pods) {
      awaitLogServed(ns, pod);
    }
    double[] direct = new double[scale.logRuns()];
    double[] via = new double[scale.logRuns()];
    for (int i = 0; i < scale.logRuns(); i++) {
      direct[i] =
          megabytesPerSecond(
              List.of(pods.get(0)),
              scale.oneLogBytes(),
              p -> directLog(ns, p, scale.oneLogBytes()));
      via[i] =
          megabytesPerSecond(
              List.of(pods.get(0)),
              scale.oneLogBytes(),
              p -> agentLog(platform, ns, p, scale.oneLogBytes()));
    }
    figures.add(
        "logs.one.stream",
        "one logs -f stream (" + (scale.oneLogBytes() >> 20) + " MiB)",
        "MB/s",
        Figures.Stats.of(via),
        Figures.Stats.of(direct),
        "≥ 100 MB/s");
    List<String> many = new ArrayList<>(pods.subList(1, pods.size()));
    many.add(pods.get(0)); // the big one too, read only up to the per-stream size
    double[] directMany = new double[scale.logRuns()];
    double[] viaMany = new double[scale.logRuns()];
    for (int i = 0; i < scale.logRuns(); i++) {
      directMany[i] =
          megabytesPerSecond(
              many, scale.perStreamLogBytes(), p -> directLog(ns, p, scale.perStreamLogBytes()));
      viaMany[i] =
          megabytesPerSecond(
              many,
              scale.perStreamLogBytes(),
              p -> agentLog(platform, ns, p, scale.perStreamLogBytes()));
    }
    figures.add(
        "logs.concurrent.streams",
        many.size() + " concurrent logs -f streams, all together",
        "MB/s",
        Figures.Stats.of(viaMany),
        Figures.Stats.of(directMany),
        null);
  }

  /**
   * Writes at least {@code bytes} of log as the pod's output. The file is in CRI format; kwok
   * serves only each line's message, which is what {@code bytes} counts.
   */
  private void fillLog(String ns, String pod, int bytes) throws Exception {
    Path file = env.podLogFile(ns, pod);
    String message = "bench log line " + "y".repeat(84) + "\n";
    byte[] line =
        ("2026-01-01T00:00:00.000000000Z stdout F " + message).getBytes(StandardCharsets.UTF_8);
    try (OutputStream out =
        new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      for (int served = 0; served < bytes; served += message.length()) {
        out.write(line);
      }
    }
  }

  /** kwok takes up a pod's Logs rule a moment after it is written. */
  private void awaitLogServed(String ns, String pod) throws Exception {
    ApiClient client = env.adminApiClient();
    String url =
        client.getBasePath() + "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?limitBytes=64";
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < until) {
      try (Response response =
          client.getHttpClient().newCall(new Request.Builder().url(url).build()).execute()) {
        last = response.code() + " " + response.body().string();
        if (response.code() == 200 && last.contains("bench log line")) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "kwok does not serve the log of " + ns + "/" + pod + ": " + last);
  }

  private interface LogRead {
    long read(String pod) throws Exception;
  }

  /** Reads {@code bytes} of each pod's followed log at once; aggregate MB/s over the wall time. */
  private static double megabytesPerSecond(List<String> pods, int bytes, LogRead read)
      throws Exception {
    long start = System.nanoTime();
    long total = 0;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Long>> reads = new ArrayList<>();
      for (String pod : pods) {
        reads.add(pool.submit(() -> read.read(pod)));
      }
      for (Future<Long> r : reads) {
        total += r.get();
      }
    }
    if (total < (long) bytes * pods.size()) {
      throw new IllegalStateException("logs short: " + total + " bytes");
    }
    return total / ((System.nanoTime() - start) / 1e9) / 1e6;
  }

  private long directLog(String ns, String pod, int bytes) throws Exception {
    ApiClient client = env.adminApiClient();
    OkHttpClient http =
        client.getHttpClient().newBuilder().readTimeout(Duration.ofSeconds(60)).build();
    String url =
        client.getBasePath() + "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?follow=true";
    try (Response response = http.newCall(new Request.Builder().url(url).build()).execute();
        InputStream in = response.body().byteStream()) {
      if (response.code() != 200) {
        throw new IllegalStateException("GET " + url + " answered " + response.code());
      }
      byte[] buffer = new byte[64 * 1024];
      long read = 0;
      int n;
      while (read < bytes && (n = in.read(buffer)) > 0) {
        read += n;
      }
      return read;
    }
  }

  private static long agentLog(PlatformClient platform, String ns, String pod, int bytes)
      throws Exception {
    ObjectNode payload =
        JSON.createObjectNode().put("namespace", ns).put("pod", pod).put("follow", true);
    try (PlatformStream stream =
        platform.openStream("logs.stream", payload, 64, Duration.ofMinutes(10))) {
      long read = 0;
      Frame frame;
      while (read < bytes
          && (frame = stream.next(Duration.ofSeconds(60))) != null
          && !frame.terminal()) {
        if (frame.kind() == FrameKind.DATA) {
          read += frame.body().length;
        }
      }
      return read;
    }
  }

  // ------------------------------------------------------------------ samples

  /** Latency samples in nanoseconds from several threads; percentiles in milliseconds. */
  static final class Latencies {
    private long[] samples = new long[1024];
    private int count;

    synchronized void add(long nanos) {
      if (count == samples.length) {
        samples = Arrays.copyOf(samples, count * 2);
      }
      samples[count++] = nanos;
    }

    synchronized void addAll(Latencies other) {
      for (int i = 0; i < other.count; i++) {
        add(other.samples[i]);
      }
    }

    synchronized int count() {
      return count;
    }

    synchronized double percentile(int p) {
      if (count == 0) {
        throw new IllegalStateException("no samples");
      }
      long[] sorted = Arrays.copyOf(samples, count);
      Arrays.sort(sorted);
      return sorted[Math.min(count - 1, (int) Math.ceil(count * p / 100.0) - 1)] / 1e6;
    }
  }
}
