package io.clusteragent.natsbridge.stream;

import io.clusteragent.core.stream.FramePublisher;
import io.clusteragent.natsbridge.connection.InterruptSafe;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Headers;
import io.nats.client.Connection;

/**
 * A stream's frames as NATS messages on the command's reply subject; metadata in headers, the body
 * untouched.
 */
public record NatsFrames(Connection connection, String subject, String streamId, String instanceId)
    implements FramePublisher {

  private static final byte[] EMPTY = new byte[0];

  @Override
  public void publish(FrameKind kind, long sequence, byte[] body) {
    InterruptSafe.publish(connection, subject, headers(kind, sequence), body);
  }

  @Override
  public void credit(long lastSequence, int frames) {
    InterruptSafe.publish(
        connection,
        subject,
        headers(FrameKind.CREDIT, lastSequence).put(Headers.CREDIT, Integer.toString(frames)),
        EMPTY);
  }

  private io.nats.client.impl.Headers headers(FrameKind kind, long sequence) {
    return new io.nats.client.impl.Headers()
        .put(Headers.FRAME, kind.wire())
        .put(Headers.STREAM, streamId)
        .put(Headers.SEQ, Long.toString(sequence))
        .put(Headers.INSTANCE, instanceId);
  }
}
