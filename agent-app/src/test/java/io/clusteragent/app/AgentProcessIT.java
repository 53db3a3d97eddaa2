package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as an operator runs it: a real process, settings from environment variables,
 * output captured from stdout and stderr, stopped with SIGTERM.
 */
class AgentProcessIT {

  private static final String PLANTED_TOKEN = "planted-tok-5f0c2a9e7d1b";
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;

  @Test
  void startsWithoutNatsOrClusterThenStopsCleanlyOnSigterm() throws Exception {
    int port = freePort();
    Path output = dir.resolve("agent.log");
    // also the JSON log format for log shippers: every line must be one JSON object
    Process agent =
        start(
            Map.of(
                "SERVER_PORT",
                Integer.toString(port),
                "KUBECONFIG",
                "/nonexistent/kubeconfig",
                "LOGGING_STRUCTURED_FORMAT_CONSOLE",
                "ecs"),
            output);
    try {
      long started = System.nanoTime();
      assertThat(waitFor("http://127.0.0.1:" + port + "/livez", 200, Duration.ofSeconds(60)))
          .isTrue();
      System.out.printf(
          "agent answered /livez %d ms after launch%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      HttpResponse<String> ready = get("http://127.0.0.1:" + port + "/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("nats").contains("kubernetes");
    } finally {
      agent.destroy(); // SIGTERM
    }
    assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(agent.exitValue()).as(Files.readString(output)).isZero();
    String logs = Files.readString(output);
    assertThat(logs).contains("shutting down: readiness off");
    assertThat(logs.lines().filter(l -> !l.isBlank()))
        .allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
  }

  @Test
  void listensOnPort8080ByDefault() throws Exception {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress("127.0.0.1", 8080));
    } catch (IOException busy) {
      throw new AssertionError(
          "port 8080 is taken on this machine; the default-port check needs it free", busy);
    }
    Process agent =
        start(Map.of("KUBECONFIG", "/nonexistent/kubeconfig"), dir.resolve("default-port.log"));
    try {
      assertThat(waitFor("http://127.0.0.1:8080/livez", 200, Duration.ofSeconds(60))).isTrue();
    } finally {
      agent.destroy();
      agent.waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void invalidSettingStopsTheAgentWithOneClearLine() throws Exception {
    for (Map.Entry<String, String> bad :
        List.of(
            Map.entry("AGENT_READ_WORKER_COUNT", "0"),
            Map.entry("AGENT_LOG_LEVEL", "LOUD"),
            Map.entry("AGENT_ANKRA_URL", "not-a-url"),
            Map.entry("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "-5"))) {
      Path output = dir.resolve(bad.getKey() + ".log");
      Process agent = start(Map.of(bad.getKey(), bad.getValue(), "SERVER_PORT", "0"), output);
      assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String text = Files.readString(output);
      assertThat(agent.exitValue()).as(text).isNotZero();
      List<String> errorLines =
          text.lines().filter(l -> l.startsWith("agent failed to start:")).toList();
      assertThat(errorLines).as(text).hasSize(1);
      assertThat(errorLines.get(0)).contains(bad.getKey()).contains("expected");
      assertThat(text)
          .as("no stack trace")
          .doesNotContain("\tat org.springframework")
          .doesNotContain("Exception:");
    }
  }

  @Test
  void theTokenNeverAppearsInOutputProbesOrMetrics() throws Exception {
    int port = freePort();
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, PLANTED_TOKEN + "\n");
    Path output = dir.resolve("token.log");
    Process agent =
        start(
            Map.of(
                "SERVER_PORT",
                Integer.toString(port),
                "KUBECONFIG",
                "/nonexistent/kubeconfig",
                "AGENT_TOKEN",
                PLANTED_TOKEN,
                "AGENT_TOKEN_FILE",
                tokenFile.toString(),
                "AGENT_LOG_LEVEL",
                "DEBUG",
                // the check-in goes to a closed local port: exercises the error paths that carry
                // the token
                "AGENT_ANKRA_URL",
                "http://127.0.0.1:" + freePort(),
                "AGENT_ALLOW_INSECURE_ANKRA_URL",
                "true"),
            output);
    StringBuilder served = new StringBuilder();
    try {
      assertThat(waitFor("http://127.0.0.1:" + port + "/livez", 200, Duration.ofSeconds(60)))
          .isTrue();
      Thread.sleep(3000); // let a few check-in attempts fail and log
      for (String path : List.of("/livez", "/readyz", "/metrics", "/health")) {
        served.append(get("http://127.0.0.1:" + port + path).body());
      }
    } finally {
      agent.destroy();
      agent.waitFor(60, TimeUnit.SECONDS);
    }
    String logs = Files.readString(output);
    io.clusteragent.testsupport.TrustTally.ofThisBuild()
        .secretsLeaked(
            occurrences(logs, PLANTED_TOKEN) + occurrences(served.toString(), PLANTED_TOKEN),
            "the agent token in DEBUG logs, probes and metrics");
    assertThat(logs).contains("platform check-in failed").contains(" DEBUG ");
    assertThat(served.toString()).contains("agent_checkin_total").doesNotContain(PLANTED_TOKEN);
    assertThat(logs).doesNotContain(PLANTED_TOKEN);
  }

  private static long occurrences(String text, String secret) {
    return text.split(java.util.regex.Pattern.quote(secret), -1).length - 1;
  }

  private Process start(Map<String, String> env, Path output) throws IOException {
    return PackagedAgent.start(List.of(), env, output);
  }

  private boolean waitFor(String url, int status, Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      try {
        if (get(url).statusCode() == status) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return false;
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    return PackagedAgent.freePort();
  }
}
