package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.natsbridge.connection.NatsHealth;
import io.clusteragent.testsupport.FreezableTcpProxy;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

/**
 * The connection looks alive to TCP but carries nothing: the agent's own round trip notices, turns
 * readiness down, forces a reconnect, and serves again.
 */
@WithTestEnvironment
class DeadPathTest {

  @Test
  void aSilentlyDeadPathTurnsReadinessDownAndIsReplaced(TestEnvironment env) throws Exception {
    URI nats = URI.create(env.natsUrl());
    try (FreezableTcpProxy proxy = new FreezableTcpProxy(nats.getHost(), nats.getPort());
        RunningAgent agent =
            RunningAgent.start(
                "nats://127.0.0.1:" + proxy.port(),
                "deadpath",
                Map.of("agent.nats.ping-interval", "500ms", "agent.nats.ping-misses", "3"));
        Connection direct = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(
                direct, "agent", "deadpath", TestEnvironment.get().platformSigner())) {
      NatsHealth health = agent.bean(NatsHealth.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      assertThat(platform.request("ping", null, Duration.ofSeconds(5)).ok()).isTrue();

      // Everything through the relay stops, new connections too: the path is dead while TCP is
      // fine.
      TrustTally tally = TrustTally.ofThisBuild();
      String fault = tally.injected("NATS path dead while TCP stays up");
      proxy.freezeAll();

      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (health.health().getStatus() == Status.UP && System.nanoTime() < until) {
        RunningAgent.sleep(50);
      }
      assertThat(health.health().getStatus())
          .as("readiness follows the dead path")
          .isEqualTo(Status.DOWN);
      RunningAgent.sleep(1500);
      assertThat(health.health().getStatus())
          .as("and stays down while the path is dead")
          .isEqualTo(Status.DOWN);
      assertThat(agent.counter("agent.nats.ping.misses")).isGreaterThanOrEqualTo(3);

      proxy.thaw();
      boolean served = false;
      long back = System.nanoTime() + Duration.ofSeconds(45).toNanos();
      while (!served && System.nanoTime() < back) {
        try {
          served = platform.request("ping", null, Duration.ofSeconds(2)).ok();
        } catch (io.clusteragent.cli.NoReplyException notYet) {
          RunningAgent.sleep(100);
        }
      }
      assertThat(served).as("the agent replaced the dead connection and serves again").isTrue();
      assertThat(proxy.connectionsAccepted()).isGreaterThanOrEqualTo(2);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      tally.survived(fault);
    }
  }
}
