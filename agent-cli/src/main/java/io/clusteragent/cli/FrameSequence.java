package io.clusteragent.cli;

import io.clusteragent.protocol.FrameKind;

/**
 * Checks {@code Agent-Seq}: data, end and error frames count 1, 2, 3…; heartbeat and credit frames
 * repeat the last number sent, so a heartbeat ahead of what arrived also reveals lost frames. Not
 * thread-safe: one reader owns it.
 */
final class FrameSequence {

  private long last;

  /** The sequence number the next counted frame must carry. */
  long expected() {
    return last + 1;
  }

  long last() {
    return last;
  }

  /**
   * Records a frame and says what is wrong with its number, or null when nothing is. Either way the
   * sequence continues from {@code seq}, so one lost frame is reported once, not on every later
   * frame.
   */
  StreamProtocolException.Violation accept(FrameKind kind, long seq) {
    if (kind == FrameKind.HEARTBEAT || kind == FrameKind.CREDIT) {
      if (seq > last) {
        last = seq;
        return StreamProtocolException.Violation.SEQUENCE_GAP;
      }
      return seq < last ? StreamProtocolException.Violation.OUT_OF_ORDER : null;
    }
    long expected = expected();
    if (seq > last) {
      last = seq;
    }
    if (seq > expected) {
      return StreamProtocolException.Violation.SEQUENCE_GAP;
    }
    return seq < expected ? StreamProtocolException.Violation.OUT_OF_ORDER : null;
  }
}
