package io.clusteragent.natsbridge.connection;

import io.nats.client.Connection;
import io.nats.client.impl.Headers;

/**
 * Publishing from a thread that may have been interrupted. jnats puts a message in its outgoing
 * queue under a lock it waits for with a timeout; on an interrupted thread that wait ends at once
 * and the message is discarded with no error to the caller. A handler is interrupted when its
 * command is cancelled or the agent stops, and the frame it was sending was lost while the final
 * frame, sent from another thread, went out: the platform saw a gap in the stream's sequence. The
 * interrupt is set aside for the publish and restored after it, so the caller still sees it. An
 * interrupt that lands during the publish itself (a few microseconds) can still cost that message.
 */
public final class InterruptSafe {

  private InterruptSafe() {}

  public static void publish(Connection connection, String subject, Headers headers, byte[] body) {
    boolean interrupted = Thread.interrupted();
    try {
      connection.publish(subject, headers, body);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
