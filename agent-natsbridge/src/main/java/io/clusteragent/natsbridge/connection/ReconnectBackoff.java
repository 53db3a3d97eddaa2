package io.clusteragent.natsbridge.connection;

import io.nats.client.ReconnectDelayHandler;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "full jitter": a fleet that lost the same server does not come back in
 * lockstep. Attempt 1 waits up to {@code min}, then the ceiling doubles to {@code max}.
 */
final class ReconnectBackoff implements ReconnectDelayHandler {

  private final Duration min;
  private final Duration max;

  ReconnectBackoff(Duration min, Duration max) {
    this.min = min;
    this.max = max;
  }

  @Override
  public Duration getWaitTime(long totalTries) {
    return delay(totalTries, ThreadLocalRandom.current().nextDouble());
  }

  Duration delay(long attempt, double random) {
    int shift = (int) Math.min(Math.max(attempt - 1, 0), 20);
    long ceiling = Math.min(max.toMillis(), min.toMillis() << shift);
    long jittered = (long) (ceiling * (0.5 + random / 2));
    return Duration.ofMillis(Math.max(jittered, 10));
  }
}
