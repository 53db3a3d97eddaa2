package io.clusteragent.cli;

/**
 * The agent broke the stream protocol, or frames were lost on the way. The stream stays readable
 * after it is thrown (the sequence continues from the offending frame), so a test can inspect what
 * followed; a real platform treats it as the end of the stream.
 */
public final class StreamProtocolException extends RuntimeException {

  public enum Violation {
    /** A frame lacks or garbles {@code Agent-Frame} / {@code Agent-Seq}. */
    MALFORMED_FRAME,
    /** {@code Agent-Stream} names another stream. */
    WRONG_STREAM,
    /** The sequence jumped forward: frames were lost. */
    SEQUENCE_GAP,
    /** The sequence repeated or went backwards. */
    OUT_OF_ORDER,
    /** A data frame arrived although every granted credit was already used. */
    CREDIT_EXCEEDED,
    /** Something arrived after the end or error frame. */
    FRAME_AFTER_END
  }

  private final Violation violation;
  private final Frame frame;

  public StreamProtocolException(Violation violation, String message, Frame frame) {
    super(violation + ": " + message);
    this.violation = violation;
    this.frame = frame;
  }

  public Violation violation() {
    return violation;
  }

  /** The offending frame, or null when it could not be parsed. */
  public Frame frame() {
    return frame;
  }
}
