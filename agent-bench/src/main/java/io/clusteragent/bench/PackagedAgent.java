package io.clusteragent.bench;

import io.clusteragent.testsupport.ImageJvmFlags;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The agent as the image runs it: the packaged jar extracted to a plain classpath, {@code
 * deploy/jvm.options}, the chart's 512Mi default limit as {@code -XX:MaxRAM}, and a JDK 25 AOT
 * cache made by the image's training run. Started as its own process, so its CPU time and memory
 * are its own.
 */
final class PackagedAgent {

  /** The chart's default memory limit; the JVM sizes its heap from it as it would in the pod. */
  static final String MAX_RAM = "-XX:MaxRAM=512m";

  private final Path app;
  private final List<String> flags;
  private final Path cache;
  private final Path work;

  private PackagedAgent(Path app, List<String> flags, Path cache, Path work) {
    this.app = app;
    this.flags = flags;
    this.cache = cache;
    this.work = work;
  }

  /** Extracts agent-app's jar under {@code work} and makes the AOT cache by a training run. */
  static PackagedAgent prepare(Path repo, Path work) throws Exception {
    Path jar;
    try (Stream<Path> files = Files.list(repo.resolve("agent-app/target"))) {
      jar =
          files
              .filter(p -> p.getFileName().toString().matches("agent-app-.*\\.jar"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no agent-app jar: package it first"));
    }
    deleteTree(work);
    Files.createDirectories(work);
    Files.copy(jar, work.resolve("app.jar"));
    Path app = work.resolve("app");
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
    PackagedAgent agent =
        new PackagedAgent(
            app.resolve("app.jar"), ImageJvmFlags.read(repo), work.resolve("app.aot"), work);
    agent.train();
    return agent;
  }

  /** Starts the agent against the test environment; {@link Running#awaitReady} waits for it. */
  Running start(TestEnvironment env, boolean aotCache, String clusterId, String logName)
      throws IOException {
    return start(env, aotCache, clusterId, logName, List.of());
  }

  /**
   * @param extraFlags more JVM flags, e.g. a flight recording of the process under load
   */
  Running start(
      TestEnvironment env,
      boolean aotCache,
      String clusterId,
      String logName,
      List<String> extraFlags)
      throws IOException {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(flags);
    if (aotCache) {
      command.add("-XX:AOTCache=" + cache);
    }
    command.addAll(extraFlags);
    command.addAll(List.of(MAX_RAM, "-jar", app.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve(logName + ".log").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.equals("NATS_URL"));
    builder
        .environment()
        .putAll(
            Map.of(
                "SERVER_PORT", Integer.toString(port),
                "KUBECONFIG", env.adminKubeconfig().toString(),
                "AGENT_NATS_SERVERS", env.natsUrl(),
                "AGENT_NATS_CLUSTER_ID", clusterId,
                "AGENT_PLATFORM_SIGNING_KEYS", env.platformPublicKeys(),
                "AGENT_HELM_BINARY", env.helm().toString(),
                "POD_NAMESPACE", "default"));
    long started = System.nanoTime();
    return new Running(builder.start(), port, started);
  }

  /**
   * The image build's training run (agent-image/stage-layers): the context starts, exits once
   * refreshed, the cache is kept.
   */
  private void train() throws Exception {
    Path token = Files.writeString(work.resolve("token"), "aot-training-token");
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(flags);
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

  /** One agent process: readiness, memory and CPU time read from the process itself. */
  static final class Running implements AutoCloseable {

    private static final Pattern HEAP_USED =
        Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.eE+]+)$");

    /** USER_HZ: /proc/PID/stat counts CPU time in these ticks on Linux. */
    private static final double TICKS_PER_SECOND = 100;

    private final Process process;
    private final int port;
    private final long startedNanos;
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private Running(Process process, int port, long startedNanos) {
      this.process = process;
      this.port = port;
      this.startedNanos = startedNanos;
    }

    /** Waits for /readyz 200; returns the time from process start. */
    Duration awaitReady() throws Exception {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
              .timeout(Duration.ofSeconds(1))
              .build();
      long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (System.nanoTime() < until) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the agent exited with " + process.exitValue());
        }
        try {
          if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(20);
      }
      throw new IllegalStateException("not ready within 120 s");
    }

    long rssBytes() throws IOException {
      return statusKilobytes("VmRSS:") * 1024;
    }

    /** The highest resident set size since the process started. */
    long peakRssBytes() throws IOException {
      return statusKilobytes("VmHWM:") * 1024;
    }

    /** User plus system CPU time the process has used so far. */
    double cpuSeconds() throws IOException {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      // fields after the command name, which is in parentheses and may hold spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    }

    /** Heap in use as the agent's own /metrics reports it (sum over the heap pools). */
    long heapUsedBytes() throws Exception {
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = HEAP_USED.matcher(metrics);
      double used = 0;
      boolean found = false;
      while (m.find()) {
        used += Double.parseDouble(m.group(1));
        found = true;
      }
      if (!found) {
        throw new IllegalStateException("no jvm_memory_used_bytes{area=\"heap\"} in /metrics");
      }
      return (long) used;
    }

    private long statusKilobytes(String field) throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
      throw new IllegalStateException(field + " not in /proc/" + process.pid() + "/status");
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
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
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
