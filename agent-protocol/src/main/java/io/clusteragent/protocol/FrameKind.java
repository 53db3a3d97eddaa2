package io.clusteragent.protocol;

import java.util.Locale;

/** The kinds of stream frame. Every frame but HEARTBEAT carries the next sequence number. */
public enum FrameKind {
  /** Payload bytes; costs one credit. */
  DATA,
  /** Normal end; body is an optional JSON summary. */
  END,
  /** Abnormal end; body is an {@link ErrorBody}. */
  ERROR,
  /** Keeps an idle stream visibly alive; free. */
  HEARTBEAT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static FrameKind fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
