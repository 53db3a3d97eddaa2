package io.clusteragent.bench;

import io.clusteragent.testsupport.TestEnvironment;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Start-up and memory of the agent as the image runs it: the extracted jar with deploy/jvm.options
 * and the chart's 512Mi as -XX:MaxRAM, connected to the test environment's NATS and API server.
 * Process start to /readyz 200, and resident memory 5 s later, without and with a JDK 25 AOT cache
 * made by the image's training run. Prints numbers only.
 */
public final class StartupBench {

  private static final int RUNS = 3;

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
    Path work = repo.resolve("agent-bench/target/startup");
    TestEnvironment env =
        TestEnvironment.start(repo, repo.resolve("agent-bench/target/testenv"), false);
    try {
      Path app = extract(repo, work);
      List<String> flags = jvmFlags(repo);
      Path cache = work.resolve("app.aot");
      train(app, flags, cache, work);
      System.out.println(
          "== start-up (extracted jar, deploy/jvm.options, -XX:MaxRAM=512m, "
              + Runtime.getRuntime().availableProcessors()
              + " cores)");
      measure(env, app, flags, List.of(), "without AOT cache", work);
      measure(env, app, flags, List.of("-XX:AOTCache=" + cache), "with AOT cache", work);
    } finally {
      env.close();
    }
  }

  private static void measure(
      TestEnvironment env, Path app, List<String> flags, List<String> extra, String what, Path work)
      throws Exception {
    long[] ready = new long[RUNS];
    long[] rss = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      int port = freePort();
      List<String> command = java(flags);
      command.addAll(extra);
      command.addAll(List.of("-XX:MaxRAM=512m", "-jar", app.toString()));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("run-" + i + ".log").toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.equals("NATS_URL"));
      builder
          .environment()
          .putAll(
              Map.of(
                  "SERVER_PORT", Integer.toString(port),
                  "KUBECONFIG", env.adminKubeconfig().toString(),
                  "AGENT_NATS_SERVERS", env.natsUrl(),
                  "AGENT_NATS_CLUSTER_ID", "startup-bench",
                  "AGENT_PLATFORM_SIGNING_KEYS", env.platformPublicKeys(),
                  "POD_NAMESPACE", "default"));
      long start = System.nanoTime();
      Process agent = builder.start();
      try {
        awaitReady(port, agent);
        ready[i] = System.nanoTime() - start;
        Thread.sleep(5000);
        rss[i] = rssKilobytes(agent.pid());
      } finally {
        agent.destroy();
        agent.waitFor(60, TimeUnit.SECONDS);
        agent.destroyForcibly();
      }
    }
    Arrays.sort(ready);
    Arrays.sort(rss);
    System.out.printf(
        "%-18s start to /readyz, %d runs: median %.2f s (min %.2f, max %.2f); RSS 5 s later"
            + " median %d MB (min %d, max %d)%n",
        what,
        RUNS,
        ready[RUNS / 2] / 1e9,
        ready[0] / 1e9,
        ready[RUNS - 1] / 1e9,
        rss[RUNS / 2] / 1024,
        rss[0] / 1024,
        rss[RUNS - 1] / 1024);
  }

  /** The image's layout: the fat jar extracted to a plain classpath, which the AOT cache needs. */
  private static Path extract(Path repo, Path work) throws Exception {
    Path jar;
    try (Stream<Path> files = Files.list(repo.resolve("agent-app/target"))) {
      jar =
          files
              .filter(p -> p.getFileName().toString().matches("agent-app-.*\\.jar"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no agent-app jar: package it first"));
    }
    Path app = work.resolve("app");
    deleteTree(work);
    Files.createDirectories(work);
    Files.copy(jar, work.resolve("app.jar"));
    run(
        List.of(
            javaBinary(),
            "-Djarmode=tools",
            "-jar",
            work.resolve("app.jar").toString(),
            "extract",
            "--destination",
            app.toString()),
        work.resolve("extract.log"));
    return app.resolve("app.jar");
  }

  /**
   * The image build's training run (agent-image/stage-layers): the context starts, exits once
   * refreshed, the cache is kept.
   */
  private static void train(Path app, List<String> flags, Path cache, Path work) throws Exception {
    Path token = Files.writeString(work.resolve("token"), "aot-training-token");
    List<String> command = java(flags);
    command.addAll(
        List.of(
            "-XX:AOTCacheOutput=" + cache,
            "-Dspring.context.exit=onRefresh",
            "-jar",
            app.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("training.log").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.equals("KUBECONFIG"));
    builder.environment().put("AGENT_TOKEN_FILE", token.toString());
    builder.environment().put("AGENT_ANKRA_URL", "http://127.0.0.1:9");
    Process training = builder.start();
    if (!training.waitFor(5, TimeUnit.MINUTES) || !Files.isRegularFile(cache)) {
      training.destroyForcibly();
      throw new IllegalStateException("AOT training run made no cache; see " + work);
    }
  }

  /** deploy/jvm.options without the image's read-only-root settings (paths under /tmp). */
  private static List<String> jvmFlags(Path repo) throws IOException {
    return Files.readAllLines(repo.resolve("deploy/jvm.options")).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .filter(l -> !l.contains("ErrorFile") && !l.contains("java.io.tmpdir"))
        .toList();
  }

  private static List<String> java(List<String> flags) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(flags);
    return command;
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static void awaitReady(int port, Process agent) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
            .timeout(Duration.ofSeconds(1))
            .build();
    long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < until) {
      if (!agent.isAlive()) {
        throw new IllegalStateException("the agent exited with " + agent.exitValue());
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("not ready within 120 s");
  }

  private static long rssKilobytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  private static void run(List<String> command, Path log) throws Exception {
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " failed; see " + log);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
