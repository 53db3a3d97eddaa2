package io.clusteragent.natsbridge.stream;

import io.clusteragent.core.command.CloseReason;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What a NATS outage does to streams. Frames may have been lost with the connection, and the
 * platform must not read a stream with a hole as complete, so every open read stream (a list, a
 * watch, a followed log, a tunnel) is stopped with {@link CloseReason.ConnectionLost}. A write's
 * stream (a helm upgrade) is not: stopping it would kill helm mid-upgrade and leave the release
 * pending until auto-heal comes by; the write runs to its own end, and its final frame carries its
 * real outcome, after a sequence gap when progress frames were lost on the way. Final frames are
 * held back until the connection has been back for a moment: the platform loses its subscriptions
 * in the same outage and needs that moment to restore them, so a frame sent the instant we are back
 * could reach nobody.
 */
public final class OutageHold implements NatsSession.Listener {

  static final Duration RECONNECT_SETTLE = Duration.ofSeconds(2);

  private final LiveStreams streams;
  private final NatsSession session;
  private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
  private volatile long reconnectedAtNanos;

  public OutageHold(LiveStreams streams, NatsSession session) {
    this.streams = streams;
    this.session = session;
    session.addListener(this);
  }

  @Override
  public void disconnected() {
    streams.forEachRead(s -> s.close(new CloseReason.ConnectionLost()));
  }

  @Override
  public void reconnected() {
    reconnectedAtNanos = System.nanoTime();
  }

  /** Whether the connection is up and has been back long enough for the platform to listen. */
  public boolean settled() {
    Connection connection = session.connection();
    long reconnected = reconnectedAtNanos;
    return connection != null
        && connection.getStatus() == Connection.Status.CONNECTED
        && (reconnected == 0 || System.nanoTime() - reconnected >= RECONNECT_SETTLE.toNanos());
  }

  /** Sends {@code finalFrame} once the connection is back and settled. */
  public void hold(Runnable finalFrame) {
    held.add(finalFrame);
  }

  /** Called periodically: releases the held frames when the connection has settled. */
  public void releaseIfSettled() {
    Connection connection = session.connection();
    long reconnected = reconnectedAtNanos;
    if (held.isEmpty()
        || connection == null
        || connection.getStatus() != Connection.Status.CONNECTED
        || reconnected == 0
        || System.nanoTime() - reconnected < RECONNECT_SETTLE.toNanos()) {
      return;
    }
    Runnable send;
    while ((send = held.poll()) != null) {
      send.run();
    }
  }
}
