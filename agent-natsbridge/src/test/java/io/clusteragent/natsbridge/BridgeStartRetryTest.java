package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start of the NATS side that fails is not final: the reason shows on readiness, and the bridge
 * retries with backoff, re-running check-in, until it serves.
 */
@WithTestEnvironment
class BridgeStartRetryTest {

  @Test
  void aBadCheckInAnswerIsShownAndRetriedWithAFreshCheckIn(TestEnvironment env) throws Exception {
    AtomicBoolean healed = new AtomicBoolean();
    PlatformApiStandIn platformApi =
        new PlatformApiStandIn(call ->
            PlatformApiStandIn.Answer.checkedIn(
                healed.get() ? "healed" : "not a valid id!", env.natsUrl(), ""));
    try (RunningAgent agent =
        RunningAgent.startWithoutWaiting(
            null,
            null,
            Map.of(
                "agent.ankra-url", platformApi.url(),
                "agent.allow-insecure-ankra-url", "true",
                "agent.token", "retry-tok",
                "agent.nats.checkin-min-backoff", "100ms",
                "agent.nats.checkin-max-backoff", "300ms"))) {
      awaitProblem(agent, "cluster id");
      assertThat(agent.bean(NatsBridge.class).serving()).isFalse();
      int callsWhileBroken = platformApi.calls();
      RunningAgent.sleep(1000);
      assertThat(platformApi.calls())
          .as("check-in is re-run on each attempt")
          .isGreaterThan(callsWhileBroken);

      healed.set(true);
      agent.awaitConnected(Duration.ofSeconds(30));
      try (Connection nats = Nats.connect(env.natsUrl());
          PlatformClient platform =
              new PlatformClient(nats, "agent", "healed", TestEnvironment.get().platformSigner())) {
        assertThat(platform.request("ping", null, Duration.ofSeconds(10)).ok()).isTrue();
      }
      assertThat(agent.counter("agent.nats.start.failures")).isGreaterThanOrEqualTo(2);
    } finally {
      platformApi.close();
    }
  }

  @Test
  void anUnreadableSeedFileIsRetriedUntilItAppears(TestEnvironment env, @TempDir Path dir)
      throws Exception {
    Path seed = dir.resolve("missing.nk");
    try (RunningAgent agent =
        RunningAgent.startWithoutWaiting(
            env.natsUrl(),
            "seedless",
            Map.of(
                "agent.nats.nkey-seed-file", seed.toString(),
                "agent.nats.checkin-min-backoff", "100ms",
                "agent.nats.checkin-max-backoff", "300ms"))) {
      awaitProblem(agent, "missing.nk");
      assertThat(agent.bean(NatsBridge.class).serving()).isFalse();
      // The test server takes anonymous clients too, so any well-formed seed lets the bridge
      // connect.
      Files.writeString(seed, new String(io.nats.client.NKey.createUser(null).getSeed()));
      agent.awaitConnected(Duration.ofSeconds(30));
    }
  }

  private static void awaitProblem(RunningAgent agent, String expected) {
    NatsSession session = agent.bean(NatsSession.class);
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!session.problem().contains(expected) && System.nanoTime() < until) {
      RunningAgent.sleep(50);
    }
    assertThat(session.problem()).contains("cannot start").contains(expected);
  }
}
