package io.clusteragent.core.command;

import io.clusteragent.protocol.ErrorCode;
import java.time.Duration;

/**
 * Why a running command or stream was stopped from outside. A closed set: each reason knows the
 * wire code its error reply carries, so nothing downstream compares strings.
 */
public sealed interface CloseReason {

  ErrorCode code();

  String message();

  /** The platform sent {@code cancel}; {@code why} is its text (or a default). */
  record Cancelled(String why) implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.CANCELLED;
    }

    public String message() {
      return "cancelled: " + why;
    }
  }

  record DeadlineExceeded() implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.DEADLINE_EXCEEDED;
    }

    public String message() {
      return "command exceeded its deadline";
    }
  }

  /** The consumer granted no credit for {@code after}: it is gone or wedged. */
  record Stalled(Duration after) implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.CANCELLED;
    }

    public String message() {
      return "consumer stalled: no credit for " + after.toSeconds() + "s";
    }
  }

  /** The platform's stream sync no longer lists the stream. */
  record Reaped() implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.CANCELLED;
    }

    public String message() {
      return "platform no longer reads this stream";
    }
  }

  /** Frames may have been lost with the transport connection; the stream must be restarted. */
  record ConnectionLost() implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.UPSTREAM_UNAVAILABLE;
    }

    public String message() {
      return "NATS connection lost; restart the stream";
    }
  }

  /**
   * The platform broke the input rules (beyond credit, a lost or oversized frame): its input cannot
   * be trusted.
   */
  record InputRejected(String why) implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.BAD_REQUEST;
    }

    public String message() {
      return "stream input rejected: " + why;
    }
  }

  /** The agent is stopping; the platform re-opens the stream on another replica. */
  record ShuttingDown() implements CloseReason {
    public ErrorCode code() {
      return ErrorCode.SHUTTING_DOWN;
    }

    public String message() {
      return "agent is shutting down; retry on another replica";
    }
  }
}
