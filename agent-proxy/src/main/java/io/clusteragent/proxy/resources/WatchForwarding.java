package io.clusteragent.proxy.resources;

import java.time.Duration;

/**
 * How {@code resources.watch} forwards a watch ({@code k8s_watch.*}): events per frame, how long a
 * partial batch may wait, the event rate beyond which the platform is told to relist, how long one
 * API server watch connection lasts before it is re-opened, and the backoff for re-opening one that
 * dropped.
 */
public record WatchForwarding(
    int batchSize,
    Duration batchTimeout,
    int maxEventsPerSecond,
    Duration connectionTimeout,
    Duration reconnectDelay,
    Duration maxReconnectDelay) {

  /** The documented defaults. */
  public static final WatchForwarding DEFAULTS =
      new WatchForwarding(
          20,
          Duration.ofMillis(500),
          500,
          Duration.ofSeconds(300),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30));
}
