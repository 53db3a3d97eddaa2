package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.testsupport.ImageJvmFlags;
import io.clusteragent.testsupport.TestEnvironment;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The packaged agent jar started as an operator runs it: its own JVM, settings only from the
 * environment given (none inherited from the build's), output to a file.
 */
final class PackagedAgent {

  private PackagedAgent() {}

  static Process start(List<String> jvmOptions, Map<String, String> env, Path output)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // the image's flags first (Spring AOT among them), then the test's own, which win
    command.addAll(ImageJvmFlags.read(Path.of("..")));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar().toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("AGENT_") || k.equals("KUBECONFIG") || k.equals("NATS_URL"));
    builder.environment().putAll(env);
    return builder.start();
  }

  /**
   * The settings every process test gives the agent: its port, the test cluster, the test NATS and
   * cluster id, the platform's signing keys and the test helm. Mutable, for a test's own additions.
   */
  static Map<String, String> environment(TestEnvironment env, String cluster, int port) {
    return new HashMap<>(
        Map.of(
            "SERVER_PORT", Integer.toString(port),
            "KUBECONFIG", env.adminKubeconfig().toString(),
            "AGENT_NATS_SERVERS", env.natsUrl(),
            "AGENT_NATS_CLUSTER_ID", cluster,
            "AGENT_PLATFORM_SIGNING_KEYS", env.platformPublicKeys(),
            "AGENT_HELM_BINARY", env.helm().toString()));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Path jar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("agent-app-.*\\.jar"))
          .findFirst()
          .orElseThrow(() ->
              new IllegalStateException(
                  "package the agent first: no agent-app jar in "
                      + new File("target").getAbsolutePath()));
    }
  }

  /** Waits until the agent answers ping (its subscription reached NATS); fails if it died. */
  static void awaitServing(PlatformClient platform, Process agent, Path output) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      assertThat(agent.isAlive()).as(Files.readString(output)).isTrue();
      try {
        if (platform.request("ping", null, Duration.ofSeconds(2)).ok()) {
          return;
        }
      } catch (NoReplyException e) {
        if (System.nanoTime() > until) {
          throw new AssertionError("agent not serving: " + Files.readString(output), e);
        }
      }
      Thread.sleep(200);
    }
  }
}
