package io.clusteragent.natsbridge.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

  private final ReconnectBackoff backoff =
      new ReconnectBackoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  @Test
  void growsExponentiallyUpToTheCapWithJitter() {
    assertThat(backoff.delay(1, 1.0)).isEqualTo(Duration.ofMillis(250));
    assertThat(backoff.delay(2, 1.0)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.delay(5, 1.0)).isEqualTo(Duration.ofMillis(4000));
    assertThat(backoff.delay(50, 1.0)).isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff.delay(50, 0.0)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void jnatsGetsTheUpperHalfOfEachCeiling() {
    for (int i = 0; i < 100; i++) {
      assertThat(backoff.getWaitTime(1)).isBetween(Duration.ofMillis(125), Duration.ofMillis(250));
      assertThat(backoff.getWaitTime(3)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
    }
  }
}
