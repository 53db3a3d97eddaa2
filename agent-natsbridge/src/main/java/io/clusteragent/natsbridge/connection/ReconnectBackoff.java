package io.clusteragent.natsbridge.connection;

import io.clusteragent.protocol.Backoff;
import io.nats.client.ReconnectDelayHandler;
import java.time.Duration;

/**
 * jnats asks this how long to wait before each reconnect attempt; the answer is the agent's one
 * {@link Backoff}, so a fleet that lost the same server does not come back in lockstep.
 */
final class ReconnectBackoff implements ReconnectDelayHandler {

  private final Backoff backoff;

  ReconnectBackoff(Duration min, Duration max) {
    this.backoff = new Backoff(min, max);
  }

  @Override
  public Duration getWaitTime(long totalTries) {
    return backoff.delay(totalTries);
  }

  /** {@code random} in [0, 1) pins the jitter, for tests. */
  Duration delay(long attempt, double random) {
    return backoff.delay(attempt, random);
  }
}
