package io.clusteragent.helm.binary;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.Locale;

/**
 * Turns a failed helm run into a stable error code. Helm has no machine-readable errors, so this
 * reads the client-go / helm wording of its last "Error:" line; the order matters ("namespaces
 * \"x\" is forbidden" must not read as "not found").
 */
public final class HelmFailure {

  /** Enough for the platform's user to see what went wrong; the agent log is not involved. */
  static final int MAX_MESSAGE_LENGTH = 400;

  private HelmFailure() {}

  public static CommandException from(int exitCode, String stderr) {
    String message = summary(stderr);
    String lower = message.toLowerCase(Locale.ROOT);
    ErrorCode code;
    if (lower.contains("forbidden")) {
      code = ErrorCode.FORBIDDEN;
    } else if (lower.contains("not found")) {
      code = ErrorCode.NOT_FOUND;
    } else if (lower.contains("another operation") && lower.contains("in progress")) {
      code = ErrorCode.CONFLICT;
    } else if (lower.contains("unauthorized")
        || lower.contains("cluster unreachable")
        || lower.contains("connection refused")
        || lower.contains("i/o timeout")
        || lower.contains("no such host")
        || lower.contains("tls handshake")
        || lower.contains("service unavailable")
        || lower.contains("context deadline exceeded")) {
      // The agent's own link to the API server, not the request, is what failed.
      code = ErrorCode.UPSTREAM_UNAVAILABLE;
    } else {
      code = ErrorCode.INTERNAL;
    }
    String text = message.isEmpty() ? "helm exited with status " + exitCode : message;
    return new CommandException(code, "helm: " + text);
  }

  /**
   * The redacted, shortened "Error:" line of helm's stderr (or its last line when there is none).
   */
  static String summary(String stderr) {
    String redacted = SecretRedaction.redact(stderr == null ? "" : stderr).strip();
    String errorLine = "";
    String lastLine = "";
    for (String line : redacted.split("\\R")) {
      String l = line.strip();
      if (l.startsWith("Error:")) {
        errorLine = l.substring("Error:".length()).strip();
      } else if (!l.isEmpty()) {
        lastLine = l;
      }
    }
    String chosen = errorLine.isEmpty() ? lastLine : errorLine;
    if (chosen.isEmpty()) {
      return "";
    }
    return chosen.length() <= MAX_MESSAGE_LENGTH
        ? chosen
        : chosen.substring(0, MAX_MESSAGE_LENGTH) + "…";
  }
}
