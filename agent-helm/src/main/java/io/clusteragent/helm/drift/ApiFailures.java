package io.clusteragent.helm.drift;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API server's refusals as {@link CommandException}s: a small copy of agent-proxy's status
 * mapping, since feature modules may not depend on each other.
 */
final class ApiFailures {

  private static final int MAX_MESSAGE_CHARS = 300;

  private final JsonMapper json;

  ApiFailures(JsonMapper json) {
    this.json = json;
  }

  /**
   * @param action what the agent was doing ({@code "read apps/v1 Deployment shop/web"})
   */
  CommandException failure(String action, int code, String body) {
    ErrorCode errorCode =
        switch (code) {
          case 400, 413, 422 -> ErrorCode.BAD_REQUEST;
          case 403 -> ErrorCode.FORBIDDEN;
          case 404 -> ErrorCode.NOT_FOUND;
          case 409 -> ErrorCode.CONFLICT;
          // 401: the agent's own credentials were refused, nothing the request can fix
          default ->
              code >= 500 || code == 401 || code == 429
                  ? ErrorCode.UPSTREAM_UNAVAILABLE
                  : ErrorCode.BAD_REQUEST;
        };
    return new CommandException(
        errorCode, "cannot " + action + ": API server answered " + code + ": " + message(body));
  }

  private String message(String body) {
    String message = body == null ? "" : body;
    try {
      JsonNode status = json.readTree(message);
      if (status != null && status.path("message").isString()) {
        message = status.path("message").asString();
      }
    } catch (RuntimeException notJson) {
      // "404 page not found" and proxies' plain-text errors: the body is the message
    }
    message = message.strip();
    if (message.isEmpty()) {
      return "no detail";
    }
    return message.length() <= MAX_MESSAGE_CHARS
        ? message
        : message.substring(0, MAX_MESSAGE_CHARS) + "…";
  }
}
