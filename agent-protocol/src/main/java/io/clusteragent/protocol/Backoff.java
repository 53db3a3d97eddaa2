package io.clusteragent.protocol;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": attempt 1 waits between {@code min/2} and {@code min},
 * then the ceiling doubles up to {@code max}, and each wait is drawn from the upper half of its
 * ceiling. The floor keeps a failing peer from being hammered; the jitter keeps a fleet that lost
 * the same server from coming back in lockstep. The one backoff formula of both sides: the agent
 * and the platform client.
 */
public record Backoff(Duration min, Duration max) {

  public Backoff {
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < min <= max, got " + min + " and " + max);
    }
  }

  /** The wait before retry number {@code attempt} (1-based). */
  public Duration delay(long attempt) {
    return delay(attempt, ThreadLocalRandom.current().nextDouble());
  }

  /**
   * {@code random} in [0, 1) picks the point in the jitter range; tests pass it to pin the result.
   */
  public Duration delay(long attempt, double random) {
    int shift = (int) Math.min(Math.max(attempt - 1, 0), 20);
    long ceiling = Math.min(max.toMillis(), min.toMillis() << shift);
    long jittered = (long) (ceiling * (0.5 + random / 2));
    return Duration.ofMillis(Math.max(jittered, 1));
  }

  /** Sleeps for {@link #delay(long)}. */
  public void sleep(long attempt) throws InterruptedException {
    Thread.sleep(delay(attempt).toMillis());
  }
}
