package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.KubeGateway;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real kubectl pointed at agentctl's gateway: every request crosses the real nats-server to the
 * agent and is replayed against the real API server as the gateway's identity. Results are compared
 * with kubectl pointed straight at the API server.
 */
@WithTestEnvironment
class KubectlThroughGatewayTest {

  private static ConfigurableApplicationContext agent;
  private static Connection nats;
  private static PlatformClient platform;
  private static KubeGateway admin;
  private static KubeGateway jane;
  private static Path adminConfig;
  private static Path janeConfig;
  private static String ns;
  private static String pod;

  @BeforeAll
  static void start(TestEnvironment env) throws Exception {
    agent = InProcessAgent.start(env, "gateway", Map.of());
    nats = Nats.connect(env.natsUrl());
    platform = new PlatformClient(nats, "agent", "gateway", env.platformSigner());
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    admin = new KubeGateway(platform, "admin", List.of("system:masters"), 0, quiet);
    admin.serveInBackground();
    jane = new KubeGateway(platform, env.nonAdminUser(), List.of(), 0, quiet);
    jane.serveInBackground();
    adminConfig = env.dir().resolve("gateway-admin.kubeconfig");
    Files.writeString(adminConfig, admin.kubeconfig("gateway"));
    janeConfig = env.dir().resolve("gateway-jane.kubeconfig");
    Files.writeString(janeConfig, jane.kubeconfig("gateway"));
    ns = Workloads.uniqueNamespace(env, "gw");
    Workloads.applyDeployment(env, ns, "talker", 1);
    pod = Workloads.awaitRunningPods(env, ns, "talker", 1).getFirst().getMetadata().getName();
    awaitAgent(env);
  }

  @AfterAll
  static void stop() throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (jane != null) {
      jane.close();
    }
    if (nats != null) {
      nats.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private static void awaitAgent(TestEnvironment env) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!via(env, adminConfig, "version", "-o", "json").succeeded()
        && System.nanoTime() < until) {
      Thread.sleep(200);
    }
  }

  private static CommandResult via(TestEnvironment env, Path kubeconfig, String... args) {
    List<String> command =
        new ArrayList<>(List.of(env.kubectl().toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return env.run(command);
  }

  @Test
  void readsGiveTheSameAnswersAsTheApiServerItself(TestEnvironment env) {
    CommandResult direct =
        env.kubectl("get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
            .assertSuccess();
    CommandResult tunnelled =
        via(env, adminConfig, "get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
            .assertSuccess();
    assertThat(tunnelled.stdout()).isEqualTo(direct.stdout()).contains(ns);

    CommandResult table = via(env, adminConfig, "get", "pods", "-n", ns).assertSuccess();
    assertThat(table.stdout()).contains("NAME").contains(pod);

    CommandResult resources = via(env, adminConfig, "api-resources").assertSuccess();
    assertThat(resources.stdout())
        .contains("configmaps")
        .contains("deployments")
        .contains("customresourcedefinitions");

    CommandResult explain = via(env, adminConfig, "explain", "configmap.data").assertSuccess();
    assertThat(explain.stdout()).contains("FIELD").contains("data");
  }

  @Test
  void writesOfEveryKindGoThrough(TestEnvironment env) throws Exception {
    Path manifest = env.dir().resolve("gw-cm.yaml");
    Files.writeString(
        manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: through\n  namespace: "
            + ns
            + "\ndata:\n  k: v1\n");
    via(env, adminConfig, "apply", "-f", manifest.toString()).assertSuccess();
    assertThat(
            env.kubectl("get", "cm", "through", "-n", ns, "-o", "jsonpath={.data.k}")
                .assertSuccess()
                .stdout())
        .isEqualTo("v1");

    Files.writeString(manifest, Files.readString(manifest).replace("k: v1", "k: v2"));
    via(env, adminConfig, "apply", "--server-side", "-f", manifest.toString()).assertSuccess();
    assertThat(
            env.kubectl("get", "cm", "through", "-n", ns, "-o", "jsonpath={.data.k}")
                .assertSuccess()
                .stdout())
        .isEqualTo("v2");

    via(
            env,
            adminConfig,
            "patch",
            "cm",
            "through",
            "-n",
            ns,
            "--type",
            "merge",
            "-p",
            "{\"data\":{\"k\":\"v3\"}}")
        .assertSuccess();
    via(
            env,
            adminConfig,
            "patch",
            "cm",
            "through",
            "-n",
            ns,
            "--type",
            "json",
            "-p",
            "[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"x\"}]")
        .assertSuccess();
    assertThat(
            env.kubectl("get", "cm", "through", "-n", ns, "-o", "jsonpath={.data.k}{.data.j}")
                .assertSuccess()
                .stdout())
        .isEqualTo("v3x");

    // a body larger than several NATS frames travels as stream input
    String big = "x".repeat(400_000);
    Files.writeString(
        manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: "
            + ns
            + "\ndata:\n  k: "
            + big
            + "\n");
    via(env, adminConfig, "create", "-f", manifest.toString()).assertSuccess();
    assertThat(
            via(env, adminConfig, "get", "cm", "big", "-n", ns, "-o", "jsonpath={.data.k}")
                .assertSuccess()
                .stdout())
        .isEqualTo(big);

    via(env, adminConfig, "delete", "cm", "through", "big", "-n", ns).assertSuccess();
    assertThat(env.kubectl("get", "cm", "through", "-n", ns).succeeded()).isFalse();
  }

  @Test
  void logsFollowAndWatchDeliverWhileTheyRun(TestEnvironment env) throws Exception {
    Path logFile = env.appendPodLog(ns, pod, "gateway first line");
    Process follow =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "logs",
                "-f",
                "-n",
                ns,
                pod)
            .start();
    Process watch =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "get",
                "cm",
                "-n",
                ns,
                "-w",
                "--no-headers")
            .start();
    BlockingQueue<String> logLines = lines(follow);
    BlockingQueue<String> watchLines = lines(watch);
    try {
      assertThat(logLines.poll(30, TimeUnit.SECONDS)).isEqualTo("gateway first line");
      TestEnvironment.appendLog(logFile, "gateway later line");
      assertThat(logLines.poll(30, TimeUnit.SECONDS)).isEqualTo("gateway later line");

      env.kubectl("create", "cm", "watched-later", "-n", ns).assertSuccess();
      String seen;
      do {
        seen = watchLines.poll(30, TimeUnit.SECONDS);
        assertThat(seen).as("a watch event while kubectl keeps watching").isNotNull();
      } while (!seen.startsWith("watched-later"));
      assertThat(follow.isAlive()).isTrue();
      assertThat(watch.isAlive()).isTrue();
    } finally {
      follow.destroy();
      watch.destroy();
      follow.waitFor(10, TimeUnit.SECONDS);
      watch.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void execCarriesOutputStdinAndTheExitStatus(TestEnvironment env) throws Exception {
    CommandResult exec =
        via(env, adminConfig, "exec", "-n", ns, pod, "--", "sh", "-c", "echo hi; exit 3");
    CommandResult direct = env.kubectl("exec", "-n", ns, pod, "--", "sh", "-c", "echo hi; exit 3");
    assertThat(exec.stdout().strip()).isEqualTo("hi");
    // kwok reports a non-zero exit as an error status carrying it; kubectl then exits 1 either way
    assertThat(exec.exitCode()).as(exec.stderr()).isEqualTo(direct.exitCode()).isNotZero();
    assertThat(exec.stderr()).contains("exit status 3");

    Interactive result = interactiveExec(env);
    assertThat(result.stdout())
        .as("exit %d, stderr %s", result.exit(), result.stderr())
        .isEqualTo("typed line one\ntyped line two\n");
    assertThat(result.exit()).as(result.stderr()).isZero();
  }

  record Interactive(int exit, String stdout, String stderr) {}

  private static Interactive interactiveExec(TestEnvironment env) throws Exception {
    Process interactive =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "exec",
                "-i",
                "-n",
                ns,
                pod,
                "--",
                "head",
                "-n",
                "2")
            .start();
    try (OutputStream stdin = interactive.getOutputStream()) {
      stdin.write("typed line one\ntyped line two\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(interactive.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Interactive(
        interactive.exitValue(),
        new String(interactive.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(interactive.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /**
   * Into the pod by {@code kubectl exec -i}, out of it by {@code kubectl cp}. {@code kubectl cp}
   * into a kwok pod never finishes: kwok 0.8.0's local exec copies the session's stdin into the
   * process but never closes that pipe, and tar waits for its end. {@code head -c} ends on the
   * count instead, and the bytes travel the same way kubectl cp sends its tar stream.
   */
  @Test
  void twentyMegabytesGoIntoThePodAndComeBackOutByteForByte(TestEnvironment env) throws Exception {
    int size = 20 * 1024 * 1024;
    byte[] random = new byte[size];
    new java.util.Random().nextBytes(random);
    Path original = env.dir().resolve("gw-cp-original.bin");
    Files.write(original, random);
    String checksum = sha256(original);

    String store = "head -c " + size + " > ";
    upload(env, adminConfig, original, "sh", "-c", store + "gw-cp-tunnelled.bin");
    upload(env, env.adminKubeconfig(), original, "sh", "-c", store + "gw-cp-direct.bin");
    for (String inPod : List.of("gw-cp-tunnelled.bin", "gw-cp-direct.bin")) {
      assertThat(
              via(env, adminConfig, "exec", "-n", ns, pod, "--", "sha256sum", inPod)
                  .assertSuccess()
                  .stdout())
          .as(inPod)
          .startsWith(checksum + " ");
    }

    Path tunnelled = env.dir().resolve("gw-cp-back-tunnelled.bin");
    Path direct = env.dir().resolve("gw-cp-back-direct.bin");
    via(env, adminConfig, "cp", "-n", ns, pod + ":gw-cp-tunnelled.bin", tunnelled.toString())
        .assertSuccess();
    env.kubectl("cp", "-n", ns, pod + ":gw-cp-tunnelled.bin", direct.toString()).assertSuccess();
    assertThat(sha256(tunnelled)).isEqualTo(sha256(direct)).isEqualTo(checksum);
  }

  /** {@code kubectl exec -i} with {@code input} as its stdin. */
  private static void upload(TestEnvironment env, Path kubeconfig, Path input, String... command)
      throws Exception {
    List<String> kubectl =
        new ArrayList<>(
            List.of(
                env.kubectl().toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "exec",
                "-i",
                "-n",
                ns,
                pod,
                "--"));
    kubectl.addAll(List.of(command));
    Process process =
        env.processBuilder(kubectl.toArray(String[]::new))
            .redirectInput(input.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("kubectl exec -i").isTrue();
    new CommandResult(kubectl, process.exitValue(), "", stderr).assertSuccess();
  }

  private static String sha256(Path file) throws Exception {
    java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
    try (java.io.InputStream in = Files.newInputStream(file)) {
      in.transferTo(new java.security.DigestOutputStream(OutputStream.nullOutputStream(), digest));
    }
    return java.util.HexFormat.of().formatHex(digest.digest());
  }

  @Test
  void everyTunnelledRequestIsOneAuditLineAndOneCountByVerbAndStatus(TestEnvironment env) {
    ch.qos.logback.classic.Logger auditLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.clusteragent.audit");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    auditLog.addAppender(lines);
    try {
      via(env, adminConfig, "get", "configmaps", "-n", ns).assertSuccess();
      via(env, janeConfig, "delete", "configmap", "nope", "-n", ns);
    } finally {
      auditLog.detachAppender(lines);
    }
    List<String> messages =
        lines.list.stream()
            .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(messages)
        .anyMatch(m ->
            m.contains("user=admin")
                && m.contains("groups=[system:masters]")
                && m.contains("verb=list")
                && m.contains("resource=configmaps")
                && m.contains("namespace=" + ns)
                && m.contains("status=200"))
        .anyMatch(m ->
            m.contains("user=" + env.nonAdminUser())
                && m.contains("verb=delete")
                && m.contains("name=nope")
                && m.contains("status=403"))
        .noneMatch(m -> m.contains("Bearer") || m.contains("Authorization"));
    io.micrometer.core.instrument.MeterRegistry meters =
        agent.getBean(io.micrometer.core.instrument.MeterRegistry.class);
    assertThat(
            meters
                .get("agent.tunnel.requests")
                .tag("verb", "list")
                .tag("status", "200")
                .timer()
                .count())
        .isPositive();
    assertThat(
            meters
                .get("agent.tunnel.requests")
                .tag("verb", "delete")
                .tag("status", "403")
                .timer()
                .count())
        .isPositive();
  }

  @Test
  void theClusterRbacDecidesForTheGatewaysIdentityAndImpersonationCannotBeSmuggled(
      TestEnvironment env) {
    CommandResult denied = via(env, janeConfig, "get", "secrets", "-n", ns);
    assertThat(denied.succeeded()).isFalse();
    assertThat(denied.stderr()).contains("forbidden").contains(env.nonAdminUser());

    CommandResult smuggled =
        via(env, janeConfig, "--as=admin", "--as-group=system:masters", "get", "secrets", "-n", ns);
    assertThat(smuggled.succeeded()).as("kubectl --as through a non-admin gateway").isFalse();
    assertThat(smuggled.stderr()).contains("forbidden");
  }

  @Test
  void aViewGrantForOneNamespaceOpensExactlyThatUntilRevoked(TestEnvironment env) throws Exception {
    String user = env.nonAdminUser();
    assertThat(via(env, janeConfig, "get", "cm", "-n", ns).succeeded())
        .as("no grant yet")
        .isFalse();

    var grant =
        tools.jackson.databind.node.JsonNodeFactory.instance
            .objectNode()
            .put("user", user)
            .put("role", "view")
            .put("scope", "namespace")
            .put("namespace", ns);
    var applied = platform.request("access.grants.apply", grant, Duration.ofSeconds(20));
    assertThat(applied.ok()).as(applied.text()).isTrue();
    assertThat(applied.json().path("status").asString()).isEqualTo("applied");
    assertThat(platform.request("access.grants.apply", grant, Duration.ofSeconds(20)).ok())
        .as("applying again is harmless")
        .isTrue();

    via(env, janeConfig, "get", "cm", "-n", ns).assertSuccess();
    CommandResult elsewhere = via(env, janeConfig, "get", "cm", "-n", "default");
    assertThat(elsewhere.succeeded()).isFalse();
    assertThat(elsewhere.stderr()).contains("forbidden");
    assertThat(via(env, janeConfig, "create", "cm", "jane-was-here", "-n", ns).succeeded())
        .as("view cannot write")
        .isFalse();

    var listed = platform.request("access.grants.list", null, Duration.ofSeconds(20));
    assertThat(listed.json().path("grants").toString())
        .contains(user)
        .contains(ns)
        .contains("view");

    var revoked = platform.request("access.grants.revoke", grant, Duration.ofSeconds(20));
    assertThat(revoked.json().path("status").asString()).isEqualTo("revoked");
    assertThat(via(env, janeConfig, "get", "cm", "-n", ns).succeeded())
        .as("forbidden again after revoke")
        .isFalse();

    var bad =
        platform.request(
            "access.grants.apply",
            tools.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("user", user)
                .put("role", "root")
                .put("scope", "cluster"),
            Duration.ofSeconds(20));
    assertThat(bad.error().code()).isEqualTo("BAD_REQUEST");
  }

  @Test
  void portForwardReachesWhatThePodServes(TestEnvironment env) throws Exception {
    com.sun.net.httpserver.HttpServer inPod =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    inPod.createContext(
        "/",
        exchange -> {
          byte[] body = "served inside the pod".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    inPod.start();
    Path forward = env.dir().resolve("gw-portforward.yaml");
    // kwok serves the pod's port 80 by forwarding to this local server
    Files.writeString(
        forward,
        "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: PortForward\nmetadata:\n  name: "
            + pod
            + "\n  namespace: "
            + ns
            + "\nspec:\n  forwards:\n  - ports: [80]\n    target:\n      address: 127.0.0.1\n      port: "
            + inPod.getAddress().getPort()
            + "\n");
    env.kubectl("apply", "-f", forward.toString()).assertSuccess();
    int local;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      local = free.getLocalPort();
    }
    Process portForward =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "port-forward",
                "-n",
                ns,
                "pod/" + pod,
                local + ":80")
            .start();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    try {
      String body = null;
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (body == null && System.nanoTime() < until) {
        try {
          body =
              http.send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create("http://127.0.0.1:" + local + "/"))
                          .timeout(Duration.ofSeconds(5))
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .body();
        } catch (java.io.IOException notYet) {
          Thread.sleep(200);
        }
      }
      assertThat(body).isEqualTo("served inside the pod");
      // a second connection over the same port-forward
      assertThat(
              http.send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create("http://127.0.0.1:" + local + "/again"))
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .body())
          .isEqualTo("served inside the pod");
    } finally {
      portForward.destroy();
      portForward.waitFor(10, TimeUnit.SECONDS);
      inPod.stop(0);
    }
  }

  @Test
  void aForwardedServiceRequestGoesThroughTheApiServersServiceProxyOnly(TestEnvironment env)
      throws Exception {
    Path service = env.dir().resolve("gw-service.yaml");
    // No endpoints: the API server's service proxy itself answers, which shows the path taken. (No
    // Service here can be served: endpoints may not be loopback, and pod IPs are not reachable.)
    Files.writeString(
        service,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: metrics\n  namespace: "
            + ns
            + "\nspec:\n  ports:\n  - port: 9090\n");
    env.kubectl("apply", "-f", service.toString()).assertSuccess();
    var json = tools.jackson.databind.node.JsonNodeFactory.instance;
    try (var stream =
        platform.openStream(
            "service.request",
            json.objectNode()
                .put("namespace", ns)
                .put("service", "metrics")
                .put("port", "9090")
                .put("path", "/api/v1/query")
                .put("query", "query=up")
                .put("timeoutSeconds", 999),
            8,
            Duration.ofSeconds(30))) {
      io.clusteragent.cli.Frame head;
      do {
        head = stream.next(Duration.ofSeconds(20));
        assertThat(head).isNotNull();
      } while (head.kind() != io.clusteragent.protocol.FrameKind.DATA && !head.terminal());
      assertThat(head.kind()).as(head.text()).isEqualTo(io.clusteragent.protocol.FrameKind.DATA);
      // the proxy's own answer: no endpoints exist for the selector-less Service
      assertThat(head.json().path("status").asInt()).isIn(404, 503);
      StringBuilder body = new StringBuilder();
      io.clusteragent.cli.Frame frame;
      while ((frame = stream.next(Duration.ofSeconds(20))) != null && !frame.terminal()) {
        if (frame.kind() == io.clusteragent.protocol.FrameKind.DATA) {
          body.append(frame.text());
        }
      }
      // exactly what the API server says to kubectl asking it directly
      CommandResult direct =
          env.kubectl(
              "get",
              "--raw",
              "/api/v1/namespaces/" + ns + "/services/metrics:9090/proxy/api/v1/query?query=up");
      assertThat(direct.succeeded()).isFalse();
      assertThat(body.toString()).contains("services \\\"metrics\\\" not found");
      assertThat(direct.stderr()).contains("services \"metrics\" not found");
      assertThat(frame).isNotNull();
      assertThat(frame.kind()).isEqualTo(io.clusteragent.protocol.FrameKind.END);
    }
    try (var escape =
        platform.openStream(
            "service.request",
            json.objectNode()
                .put("namespace", ns)
                .put("service", "metrics")
                .put("port", "9090")
                .put("path", "/../../../secrets"),
            8,
            Duration.ofSeconds(20))) {
      io.clusteragent.cli.Frame end;
      do {
        end = escape.next(Duration.ofSeconds(20));
        assertThat(end).isNotNull();
      } while (!end.terminal());
      assertThat(end.error().code()).isEqualTo("BAD_REQUEST");
    }
  }

  @Test
  void helmInstallWithWaitWorksThroughTheGateway(TestEnvironment env) throws Exception {
    Path chart = env.dir().resolve("gw-chart/hello");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: hello\nversion: 0.1.0\n");
    Files.writeString(
        chart.resolve("templates/deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: 1\n"
            + "  selector:\n    matchLabels: {app: hello}\n  template:\n    metadata:\n      labels: {app: hello}\n"
            + "    spec:\n      containers:\n      - name: main\n        image: registry.invalid/hello:1.0\n");
    CommandResult install =
        env.run(
            List.of(
                env.helm().toString(),
                "install",
                "hello",
                chart.toString(),
                "-n",
                ns,
                "--wait",
                "--timeout",
                "2m",
                "--kubeconfig",
                adminConfig.toString()),
            Duration.ofMinutes(3));
    assertThat(install.exitCode()).as(install.stderr()).isZero();
    assertThat(
            env.kubectl(
                    "get", "deploy", "hello", "-n", ns, "-o", "jsonpath={.status.readyReplicas}")
                .assertSuccess()
                .stdout())
        .isEqualTo("1");
  }

  @Test
  void anInformerStyleWatchListGetsItsInitialEventsEndBookmark(TestEnvironment env)
      throws Exception {
    env.kubectl("create", "cm", "listed-first", "-n", ns).assertSuccess();
    try (Socket socket = gatewaySocket(admin)) {
      send(
          socket,
          "GET /api/v1/namespaces/"
              + ns
              + "/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true"
              + "&resourceVersionMatch=NotOlderThan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + token(adminConfig)
              + "\r\n\r\n");
      // The answer is chunked, and chunk boundaries fall wherever the bytes were read, also inside
      // an event: the events are read from the de-chunked body, as a client reads them.
      BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(reader.readLine()).startsWith("HTTP/1.1 200");
      for (String header; !(header = reader.readLine()).isEmpty(); ) {
        assertThat(header.toLowerCase(java.util.Locale.ROOT)).doesNotStartWith("content-length");
      }
      StringBuilder body = new StringBuilder();
      String bookmark = null;
      while (bookmark == null) {
        int size = Integer.parseInt(reader.readLine().strip(), 16);
        assertThat(size).as("the watch ended before its bookmark: %s", body).isPositive();
        char[] chunk = new char[size];
        for (int read = 0; read < size; ) {
          read += reader.read(chunk, read, size - read);
        }
        reader.readLine(); // the CRLF after the chunk
        body.append(chunk);
        bookmark =
            body.toString()
                .lines()
                .filter(event -> event.contains("k8s.io/initial-events-end"))
                .filter(event -> event.endsWith("}"))
                .findFirst()
                .orElse(null);
      }
      assertThat(bookmark).contains("BOOKMARK");
      String before = body.substring(0, body.indexOf(bookmark));
      assertThat(before)
          .as("the initial events came before the bookmark")
          .contains("\"listed-first\"");
      // Closing a TLS socket waits, up to its read timeout, for the peer's close_notify. The
      // gateway is blocked on the watch and answers only when it next writes, so do not wait.
      socket.setSoTimeout(100);
    }
  }

  @Test
  void aSaturatedRequestLimitAnswers429WhileOtherWorkGoesOn(TestEnvironment env) throws Exception {
    PlatformClient limitedPlatform =
        new PlatformClient(nats, "agent", "limited", env.platformSigner());
    try (ConfigurableApplicationContext limited =
            InProcessAgent.start(
                env, "limited", Map.of("agent.kubernetes.proxy-unary-concurrency", "1"));
        KubeGateway gateway =
            new KubeGateway(
                limitedPlatform,
                "admin",
                List.of("system:masters"),
                0,
                new PrintStream(OutputStream.nullOutputStream()))) {
      // the bridge subscribes in the background: a write sent before would find no agent, hold
      // no permit, and no request would ever be refused
      InProcessAgent.awaitServing(limitedPlatform);
      gateway.serveInBackground();
      Path config = env.dir().resolve("gateway-limited.kubeconfig");
      Files.writeString(config, gateway.kubeconfig("limited"));
      saturate(env, gateway, config, limited.getBean(CommandDispatcher.class));
    }
  }

  private static void saturate(
      TestEnvironment env, KubeGateway gateway, Path config, CommandDispatcher dispatcher)
      throws Exception {
    // A write whose body never completes holds the one unary permit this agent has.
    try (Socket holder = gatewaySocket(gateway)) {
      send(
          holder,
          "POST /api/v1/namespaces/"
              + ns
              + "/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + token(config)
              + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"kin\r\n");
      // Probing before the write runs would race it for the one permit: a probe in flight when
      // the write arrives has the write refused, and then nothing holds the permit.
      long held = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (dispatcher.runningCount() == 0 && System.nanoTime() < held) {
        Thread.sleep(20);
      }
      assertThat(dispatcher.runningCount()).as("the write holds the permit").isEqualTo(1);
      String refused = null;
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (refused == null && System.nanoTime() < until) {
        try (Socket probe = gatewaySocket(gateway)) {
          send(
              probe,
              "GET /api/v1/namespaces/"
                  + ns
                  + "/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + token(config)
                  + "\r\n\r\n");
          byte[] buffer = new byte[4096];
          int read = probe.getInputStream().read(buffer);
          String head = read < 0 ? "" : new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
          if (head.startsWith("HTTP/1.1 429")) {
            refused = head;
          }
        }
      }
      assertThat(refused)
          .as("a 429 while the permit is held")
          .isNotNull()
          .contains("Retry-After: 1");
      // long-lived work has its own limit and still flows
      try (Socket watch = gatewaySocket(gateway)) {
        send(
            watch,
            "GET /api/v1/namespaces/"
                + ns
                + "/configmaps?watch=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token(config)
                + "\r\n\r\n");
        BufferedReader reader =
            new BufferedReader(
                new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).startsWith("HTTP/1.1 200");
      }
    }
  }

  @Test
  void stoppingOneOfSeveralFollowedLogsLeavesTheOthersFlowing(TestEnvironment env)
      throws Exception {
    Path logFile = env.appendPodLog(ns, pod, "shared line 0");
    List<Process> follows = new ArrayList<>();
    List<BlockingQueue<String>> outputs = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Process follow =
            env.processBuilder(
                    env.kubectl().toString(),
                    "--kubeconfig",
                    adminConfig.toString(),
                    "logs",
                    "-f",
                    "--tail=1",
                    "-n",
                    ns,
                    pod)
                .start();
        follows.add(follow);
        outputs.add(lines(follow));
      }
      for (BlockingQueue<String> output : outputs) {
        assertThat(output.poll(30, TimeUnit.SECONDS)).isNotNull();
      }
      follows.getFirst().destroy();
      follows.getFirst().waitFor(10, TimeUnit.SECONDS);
      TestEnvironment.appendLog(logFile, "after one stopped");
      for (BlockingQueue<String> output : outputs.subList(1, 3)) {
        String line;
        do {
          line = output.poll(30, TimeUnit.SECONDS);
          assertThat(line).isNotNull();
        } while (!line.equals("after one stopped"));
      }
    } finally {
      follows.forEach(Process::destroy);
    }
  }

  private static Socket gatewaySocket(KubeGateway gateway) throws Exception {
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, new javax.net.ssl.TrustManager[] {new TrustingTheTestGateway()}, null);
    Socket socket = context.getSocketFactory().createSocket("127.0.0.1", gateway.port());
    socket.setSoTimeout(30_000);
    return socket;
  }

  private static void send(Socket socket, String text) throws Exception {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  private static String token(Path kubeconfig) throws Exception {
    return Files.readAllLines(kubeconfig).stream()
        .filter(l -> l.strip().startsWith("token: "))
        .map(l -> l.strip().substring(7))
        .findFirst()
        .orElseThrow();
  }

  /** The gateway's certificate is made per run; these raw-socket probes skip checking it. */
  private static final class TrustingTheTestGateway implements javax.net.ssl.X509TrustManager {
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String type) {}

    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String type) {}

    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }

  private static BlockingQueue<String> lines(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofVirtual()
        .start(() -> {
          try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
              lines.add(line);
            }
          } catch (Exception ignored) {
            // the process was stopped
          }
        });
    return lines;
  }
}
