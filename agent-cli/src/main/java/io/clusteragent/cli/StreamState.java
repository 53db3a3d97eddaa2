package io.clusteragent.cli;

import io.clusteragent.protocol.FrameKind;

/**
 * What the platform knows about one stream, apart from I/O: sequence, credit and whether it has
 * ended. It judges each arriving frame, so the rules can be tested without a NATS server. Frames
 * are accepted by one reader thread; grants may come from any thread.
 */
final class StreamState {

  private final String id;
  private final FrameSequence sequence = new FrameSequence();
  private final CreditAccount credit;
  private volatile Frame terminal;

  StreamState(String id, int initialCredit) {
    this.id = id;
    this.credit = new CreditAccount(initialCredit);
  }

  /**
   * Records a frame and returns what is wrong with it, or null. The frame is counted either way, so
   * one lost frame is reported once and reading can go on.
   */
  StreamProtocolException accept(Frame frame) {
    if (!id.equals(frame.stream())) {
      return new StreamProtocolException(
          StreamProtocolException.Violation.WRONG_STREAM,
          "frame of stream '" + frame.stream() + "' on the inbox of stream '" + id + "'",
          frame);
    }
    Frame ended = terminal;
    if (ended != null) {
      return new StreamProtocolException(
          StreamProtocolException.Violation.FRAME_AFTER_END,
          frame.kind().wire()
              + " frame "
              + frame.seq()
              + " after "
              + ended.kind().wire()
              + " frame "
              + ended.seq(),
          frame);
    }
    long expected = sequence.expected();
    StreamProtocolException.Violation outOfSequence = sequence.accept(frame.kind(), frame.seq());
    boolean withinCredit = frame.kind() != FrameKind.DATA || credit.spend();
    if (frame.terminal()) {
      terminal = frame;
    }
    if (outOfSequence != null) {
      return new StreamProtocolException(
          outOfSequence,
          frame.kind().wire()
              + " frame with seq "
              + frame.seq()
              + (frame.kind() == FrameKind.HEARTBEAT || frame.kind() == FrameKind.CREDIT
                  ? ", but only " + (expected - 1) + " arrived"
                  : ", expected " + expected),
          frame);
    }
    if (!withinCredit) {
      return new StreamProtocolException(
          StreamProtocolException.Violation.CREDIT_EXCEEDED,
          "data frame " + frame.seq() + " beyond the " + credit.granted() + " frames granted",
          frame);
    }
    return null;
  }

  /** Call before publishing the grant, so the agent can never use credit we have not counted. */
  void granted(int frames) {
    credit.grant(frames);
  }

  long outstandingCredit() {
    return credit.outstanding();
  }

  long granted() {
    return credit.granted();
  }

  long dataFrames() {
    return credit.received();
  }

  long lastSeq() {
    return sequence.last();
  }

  Frame terminal() {
    return terminal;
  }
}
