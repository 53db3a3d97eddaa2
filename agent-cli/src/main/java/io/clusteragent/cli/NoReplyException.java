package io.clusteragent.cli;

/** Nothing answered a command: no agent is subscribed for the cluster, or none answered in time. */
public final class NoReplyException extends RuntimeException {

  public enum Reason {
    /** The server said nobody is subscribed to the command subject. */
    NO_RESPONDERS,
    /** Nothing arrived before the caller's timeout. */
    TIMEOUT
  }

  private final Reason reason;

  public NoReplyException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
