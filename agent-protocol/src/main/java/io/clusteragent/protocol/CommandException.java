package io.clusteragent.protocol;

/** An expected failure with a stable code and a message fit for the platform's user. */
public class CommandException extends Exception {

  private final ErrorCode code;

  public CommandException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public CommandException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
