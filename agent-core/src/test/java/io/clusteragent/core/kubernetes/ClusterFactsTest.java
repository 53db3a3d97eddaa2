package io.clusteragent.core.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.core.background.FailureLog;
import io.clusteragent.core.settings.CoreSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class ClusterFactsTest {

  @Test
  void anUnreachableClusterLeavesFactsUnknownAndSaysWhyOnceAndCountsEachTry(CapturedOutput output) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    MutableClock clock = new MutableClock();
    KubernetesClients clients =
        new KubernetesClients(
            new CoreSettings.Kubernetes(false, 1, 1, 1), "/nonexistent/kubeconfig");
    ClusterFacts facts = new ClusterFacts(clients, clock, new FailureLog(meters));

    assertThat(facts.snapshot()).isEqualTo(new ClusterFacts.Snapshot(null, null));
    clock.advance(Duration.ofMinutes(2)); // past the cache
    assertThat(facts.snapshot()).isEqualTo(new ClusterFacts.Snapshot(null, null));

    assertThat(meters.counter("agent.background.failures", "task", "cluster-facts lookup").count())
        .isEqualTo(2);
    assertThat(output.getAll())
        .contains("WARN")
        .contains("cluster-facts lookup failed")
        .contains("nonexistent");
    assertThat(output.getAll().split("cluster-facts lookup failed", -1))
        .as("one warning for one cause")
        .hasSize(2);
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-11-25T00:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
