package io.clusteragent.bench;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.cli.StreamLines;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.natsbridge.NatsBridge;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Measures the agent's NATS path on this machine with an in-process agent: unary round trip through
 * the agent against a bare NATS request/reply, stream throughput with credit flow control, and a
 * Helm install + uninstall through the agent against helm run directly. Prints numbers only; the
 * packaged agent's figures (lists, watches, logs, the tunnel) are {@link AgentVsDirectBench}'s.
 */
public final class NatsPathBench {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
    TestEnvironment env =
        TestEnvironment.start(repo, repo.resolve("agent-bench/target/testenv"), false);
    try (ConfigurableApplicationContext agent =
            startAgent(
                env.natsUrl(),
                env.platformPublicKeys(),
                env.adminKubeconfig().toString(),
                env.helm().toString());
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "bench", env.platformSigner())) {
      awaitServing(agent);
      System.out.println(
          "== NATS path benchmark ("
              + Runtime.getRuntime().availableProcessors()
              + " cores, Java "
              + Runtime.version()
              + ")");
      bareRequestReply(nats);
      agentPing(platform);
      for (int credit : new int[] {8, 32, 128}) {
        stream(platform, credit, 64 * 1024, 2000);
      }
      stream(platform, 32, 1024, 20000);
      helmInstallUninstall(env, platform, 10);
    } finally {
      env.close();
    }
  }

  private static void bareRequestReply(Connection nats) throws Exception {
    Dispatcher echo = nats.createDispatcher(m -> nats.publish(m.getReplyTo(), m.getData()));
    echo.subscribe("bench.echo");
    long[] samples = new long[2000];
    for (int i = -200; i < samples.length; i++) {
      long start = System.nanoTime();
      nats.request("bench.echo", new byte[16], Duration.ofSeconds(5));
      if (i >= 0) {
        samples[i] = System.nanoTime() - start;
      }
    }
    report("bare NATS request/reply (baseline)", samples);
    nats.closeDispatcher(echo);
  }

  private static void agentPing(PlatformClient platform) throws Exception {
    long[] samples = new long[2000];
    for (int i = -200; i < samples.length; i++) {
      long start = System.nanoTime();
      if (!platform.request("ping", null, Duration.ofSeconds(5)).ok()) {
        throw new IllegalStateException("ping failed");
      }
      if (i >= 0) {
        samples[i] = System.nanoTime() - start;
      }
    }
    report("agent ping (envelope, dispatch, bulkhead, reply)", samples);
  }

  private static void stream(PlatformClient platform, int credit, int chunk, int frames)
      throws Exception {
    long start = System.nanoTime();
    PlatformStream stream =
        platform.openStream(
            "bench.source",
            JsonNodeFactory.instance.objectNode().put("frames", frames).put("bytes", chunk),
            credit,
            Duration.ofMinutes(5));
    long bytes = 0;
    Frame frame;
    while ((frame = stream.next(Duration.ofSeconds(30))) != null && !frame.terminal()) {
      if (frame.kind() == FrameKind.DATA) {
        bytes += frame.body().length;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "stream %6d frames x %6d B, credit %3d: %8.1f MB/s, %9.0f frames/s (%s)%n",
        frames,
        chunk,
        credit,
        bytes / seconds / 1e6,
        frames / seconds,
        frame == null ? "timeout" : frame.kind().wire());
    stream.close();
  }

  /**
   * A small chart (a ConfigMap, a Deployment kwok makes ready) installed with --wait and
   * uninstalled, {@code runs} times, with helm directly and through the agent
   * (helm.releases.install, an uploaded archive; helm.releases.uninstall): what the agent's write
   * path adds to helm's own time.
   */
  private static void helmInstallUninstall(TestEnvironment env, PlatformClient platform, int runs)
      throws Exception {
    String ns = "bench-helm-" + Long.toString(System.nanoTime(), 36);
    env.kubectl("create", "namespace", ns).assertSuccess();
    Path archive =
        new TestChart("web", "0.1.0", false)
            .packageInto(env, Path.of("agent-bench/target/bench-charts").toAbsolutePath());
    String encoded = java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(archive));
    long[] direct = new long[runs];
    long[] viaAgent = new long[runs];
    for (int i = -1; i < runs; i++) {
      long start = System.nanoTime();
      env.helm("install", "direct", archive.toString(), "-n", ns, "--wait").assertSuccess();
      env.helm("uninstall", "direct", "-n", ns, "--wait").assertSuccess();
      long middle = System.nanoTime();
      try (PlatformStream stream =
          platform.openStream(
              "helm.releases.install",
              JSON.createObjectNode()
                  .put("namespace", ns)
                  .put("release", "agent")
                  .put("archive", encoded)
                  .put("wait", true),
              8,
              Duration.ofMinutes(2))) {
        StreamLines lines = new StreamLines(stream, Duration.ofSeconds(60));
        while (lines.next() != null) {
          // progress events
        }
      }
      Reply uninstall =
          platform.request(
              "helm.releases.uninstall",
              JSON.createObjectNode()
                  .put("namespace", ns)
                  .put("release", "agent")
                  .put("wait", true),
              Duration.ofMinutes(2));
      if (!uninstall.ok()) {
        throw new IllegalStateException("uninstall through the agent failed: " + uninstall.text());
      }
      long end = System.nanoTime();
      if (i >= 0) {
        direct[i] = middle - start;
        viaAgent[i] = end - middle;
      }
    }
    Arrays.sort(direct);
    Arrays.sort(viaAgent);
    System.out.printf(
        "helm install --wait + uninstall, %d runs: helm directly median %.0f ms (min %.0f, max"
            + " %.0f), via agent median %.0f ms (min %.0f, max %.0f), ratio %.2f%n",
        runs,
        direct[runs / 2] / 1e6,
        direct[0] / 1e6,
        direct[runs - 1] / 1e6,
        viaAgent[runs / 2] / 1e6,
        viaAgent[0] / 1e6,
        viaAgent[runs - 1] / 1e6,
        (double) viaAgent[runs / 2] / direct[runs / 2]);
    env.kubectl("delete", "namespace", ns, "--wait=false");
  }

  private static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-50s n=%d p50=%.0f µs p90=%.0f µs p99=%.0f µs%n",
        what,
        sorted.length,
        sorted[sorted.length / 2] / 1e3,
        sorted[sorted.length * 9 / 10] / 1e3,
        sorted[sorted.length * 99 / 100] / 1e3);
  }

  private static ConfigurableApplicationContext startAgent(
      String natsUrl, String platformKeys, String kubeconfig, String helm) {
    SpringApplication app = new SpringApplication(BenchAgent.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(
        Map.of(
            "agent.nats.servers",
            natsUrl,
            "agent.nats.cluster-id",
            "bench",
            "agent.platform-signing-keys",
            platformKeys,
            "KUBECONFIG",
            kubeconfig,
            "agent.helm.binary",
            helm,
            // release Leases live in the agent's namespace
            "POD_NAMESPACE",
            "default",
            "logging.level.root",
            "WARN"));
    return app.run();
  }

  private static void awaitServing(ConfigurableApplicationContext agent)
      throws InterruptedException {
    NatsBridge bridge = agent.getBean(NatsBridge.class);
    for (int i = 0; i < 300 && !bridge.serving(); i++) {
      Thread.sleep(100);
    }
  }

  @Configuration
  @EnableAutoConfiguration
  static class BenchAgent {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    /**
     * Sends {@code frames} chunks of {@code bytes}: the stream machinery without a data source's
     * cost.
     */
    @Bean
    CommandHandler source() {
      return new CommandHandler() {
        public String type() {
          return "bench.source";
        }

        public JobClass jobClass() {
          return JobClass.PROXY_STREAM;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
          byte[] chunk = new byte[payload.path("bytes").asInt()];
          for (int i = 0; i < payload.path("frames").asInt(); i++) {
            context.stream().send(chunk);
          }
          return CommandResult.ok(null);
        }
      };
    }
  }
}
