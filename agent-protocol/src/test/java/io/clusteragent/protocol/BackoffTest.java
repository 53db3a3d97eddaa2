package io.clusteragent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

  @Test
  void ceilingDoublesPerAttemptUpToMax() {
    assertThat(backoff.delay(1, 0.999)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
    assertThat(backoff.delay(2, 0.999)).isBetween(Duration.ofMillis(199), Duration.ofMillis(200));
    assertThat(backoff.delay(3, 0.999)).isBetween(Duration.ofMillis(399), Duration.ofMillis(400));
    assertThat(backoff.delay(10, 0.999)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
    assertThat(backoff.delay(1_000_000, 0.999)).isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void equalJitterNeverWaitsLessThanHalfTheCeiling() {
    assertThat(backoff.delay(1, 0.0)).isEqualTo(Duration.ofMillis(50));
    assertThat(backoff.delay(4, 0.0)).isEqualTo(Duration.ofMillis(400));
    for (int i = 0; i < 1000; i++) {
      assertThat(backoff.delay(2)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    }
  }

  @Test
  void refusesNonsenseBounds() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
