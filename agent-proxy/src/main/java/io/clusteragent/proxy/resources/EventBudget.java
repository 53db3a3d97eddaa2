package io.clusteragent.proxy.resources;

import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} events a second ({@code k8s_watch.max_events_per_sec}): a token bucket
 * that holds one second's worth, so a short burst after a quiet spell passes and a sustained flood
 * does not.
 */
final class EventBudget {

  private final double capacity;
  private final double perNano;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  EventBudget(int perSecond, LongSupplier nanoTime) {
    this.capacity = perSecond;
    this.perNano = perSecond / 1e9;
    this.nanoTime = nanoTime;
    this.tokens = perSecond;
    this.last = nanoTime.getAsLong();
  }

  /** Takes one event's token; false when the budget is spent. */
  boolean take() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
