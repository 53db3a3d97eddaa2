package io.clusteragent.protocol;

import java.util.Locale;

/**
 * The kinds of stream frame. DATA, END and ERROR carry the next sequence number of their direction;
 * HEARTBEAT and CREDIT repeat the last one. Agent to platform: all five. Platform to agent (a
 * stream's input): DATA and END only.
 */
public enum FrameKind {
  /** Payload bytes; costs one credit of the receiving side. */
  DATA,
  /** Normal end; body is an optional JSON summary (on input: the platform will send no more). */
  END,
  /** Abnormal end; body is an {@link ErrorBody}. */
  ERROR,
  /** Keeps an idle stream visibly alive; free. */
  HEARTBEAT,
  /** The agent lets the platform send {@link Headers#CREDIT} more input frames; free. */
  CREDIT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static FrameKind fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
