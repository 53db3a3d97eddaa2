package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * On SIGTERM streams that never end by themselves (watch, logs -f) end at once; they do not hold
 * the grace period.
 */
@WithTestEnvironment
class StreamShutdownTest {

  @Test
  void openStreamsEndWithShuttingDownInsteadOfHoldingTheGracePeriod(TestEnvironment env)
      throws Exception {
    RunningAgent agent =
        RunningAgent.start(
            env.natsUrl(), "stopping", Map.of("agent.shutdown-grace-period-seconds", "120"));
    try (Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "stopping", TestEnvironment.get().platformSigner())) {
      PlatformStream endless =
          platform.openStream(
              "test.counter",
              JsonNodeFactory.instance.objectNode().put("count", 0).put("bytes", 16),
              4,
              Duration.ofMinutes(5));
      assertThat(endless.next(Duration.ofSeconds(10))).isNotNull();

      CompletableFuture<Void> closing = CompletableFuture.runAsync(agent::close);
      Frame frame;
      do {
        frame = endless.next(Duration.ofSeconds(30));
        assertThat(frame).as("a terminal frame before the grace period").isNotNull();
      } while (!frame.terminal());
      assertThat(frame.kind()).isEqualTo(FrameKind.ERROR);
      assertThat(frame.error().code()).isEqualTo("SHUTTING_DOWN");
      // Far below the 120 s grace: only the stream was running, and it ended at once.
      closing.get(60, TimeUnit.SECONDS);
    } finally {
      agent.close();
    }
  }
}
