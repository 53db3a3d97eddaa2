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
    // classified on the Error: line and what follows it: helm puts the cause ("context deadline
    // exceeded") on the next line
    String lower = fromLastError(stderr).toLowerCase(Locale.ROOT);
    ErrorCode code;
    if (lower.contains("forbidden")) {
      code = ErrorCode.FORBIDDEN;
    } else if ((lower.contains("another operation") && lower.contains("in progress"))
        || lower.contains("cannot re-use a name that is still in use")
        || lower.contains("has no deployed releases")) {
      code = ErrorCode.CONFLICT;
    } else if (lower.contains("don't meet the specifications of the schema")
        || lower.contains("error converting yaml")
        || lower.contains("execution error at")
        || lower.contains("parse error at")
        || lower.contains("unable to build kubernetes objects")
        || lower.contains("chart requires kubeversion")
        || lower.contains("validation failed")) {
      // the chart or the values are wrong: the request, not the agent, needs fixing
      code = ErrorCode.BAD_REQUEST;
    } else if (lower.contains("credential not found")
        || lower.contains("401 unauthorized")
        || lower.contains("authentication required")) {
      // a chart repository or registry that wants (other) credentials: the source, not the
      // object, is what cannot be reached
      code = ErrorCode.UPSTREAM_UNAVAILABLE;
    } else if (lower.contains("not found")) {
      code = ErrorCode.NOT_FOUND;
    } else if (lower.contains("timed out waiting")
        || (lower.contains("context deadline exceeded") && lower.contains("not ready"))) {
      // helm's own --timeout, waiting for workloads: the cluster is reachable, the release is not
      // ready in time
      code = ErrorCode.DEADLINE_EXCEEDED;
    } else if (lower.contains("unauthorized")
        || lower.contains("cluster unreachable")
        || lower.contains("connection refused")
        || lower.contains("i/o timeout")
        || lower.contains("no such host")
        || lower.contains("tls handshake")
        || lower.contains("certificate")
        || lower.contains("service unavailable")
        || lower.contains("context deadline exceeded")) {
      // A link the agent depends on (API server, chart repository, registry) failed.
      code = ErrorCode.UPSTREAM_UNAVAILABLE;
    } else {
      code = ErrorCode.INTERNAL;
    }
    String text = message.isEmpty() ? "helm exited with status " + exitCode : message;
    if (code == ErrorCode.DEADLINE_EXCEEDED) {
      text += " (helm's timeout passed while it waited)";
    }
    return new CommandException(code, "helm: " + text);
  }

  private static String fromLastError(String stderr) {
    String text = stderr == null ? "" : stderr;
    int at = text.lastIndexOf("Error:");
    return at < 0 ? text : text.substring(at);
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
