package io.clusteragent.core.stream;

import io.clusteragent.protocol.FrameKind;

/** Sends the frames of one stream; the seam between a stream's life and its transport. */
public interface FramePublisher {

  /** A data, end, error or heartbeat frame. */
  void publish(FrameKind kind, long sequence, byte[] body);

  /** A credit frame: the platform may send {@code frames} more input frames. */
  void credit(long lastSequence, int frames);
}
