package io.clusteragent.helm.argocd;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API server's refusals of Application requests as {@link CommandException}s. A small copy of
 * agent-proxy's status mapping (feature modules may not depend on each other), plus the one case
 * only Argo CD has: the Application type itself missing, which means Argo CD is not installed.
 */
final class ArgoApiErrors {

  private static final int MAX_MESSAGE_CHARS = 300;

  private final JsonMapper json;
  private final String argoNamespace;

  ArgoApiErrors(JsonMapper json, String argoNamespace) {
    this.json = json;
    this.argoNamespace = argoNamespace;
  }

  /**
   * Whether a 404 is about the Application type rather than one object: the API server names the
   * missing object's kind in {@code details} ({@code applications} for the object, {@code
   * namespaces} for its namespace) and sends no such Status, or plain "404 page not found", when
   * the URL's type is not served at all.
   */
  boolean typeNotServed(ApiException e) {
    if (e.getCode() != 404) {
      return false;
    }
    JsonNode status = status(e);
    return !(status.path("kind").asString("").equals("Status")
        && !status.path("details").path("kind").asString("").isEmpty());
  }

  /**
   * Maps a failed request.
   *
   * @param action what the agent was doing, for the message ({@code "apply Application x"})
   */
  CommandException failure(String action, ApiException e) {
    int code = e.getCode();
    if (code == 0) {
      // no HTTP answer: connection refused, TLS, timeout
      return new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot " + action + ": API server unreachable: " + e.getMessage(),
          e);
    }
    if (typeNotServed(e)) {
      return new CommandException(
          ErrorCode.NOT_FOUND,
          "cannot "
              + action
              + ": Argo CD is not installed (the API server serves no "
              + ArgoApplications.APPLICATION_CRD
              + "); install Argo CD or deploy the add-on with the native engine",
          e);
    }
    ErrorCode errorCode =
        switch (code) {
          case 400, 413, 422 -> ErrorCode.BAD_REQUEST;
          case 403 -> ErrorCode.FORBIDDEN;
          case 404 -> ErrorCode.NOT_FOUND;
          case 409 -> ErrorCode.CONFLICT;
          default ->
              // 401: the agent's own credentials were refused, nothing the request can fix
              code >= 500 || code == 401 || code == 429
                  ? ErrorCode.UPSTREAM_UNAVAILABLE
                  : ErrorCode.BAD_REQUEST;
        };
    String detail = "API server answered " + code + ": " + message(e);
    if (code == 404 && isMissingNamespace(e)) {
      detail += " (is Argo CD installed in namespace " + argoNamespace + "?)";
    }
    return new CommandException(errorCode, "cannot " + action + ": " + detail, e);
  }

  private boolean isMissingNamespace(ApiException e) {
    return status(e).path("details").path("kind").asString("").equals("namespaces");
  }

  private String message(ApiException e) {
    String body = e.getResponseBody() == null ? "" : e.getResponseBody();
    JsonNode status = status(e);
    String message = status.path("message").isString() ? status.path("message").asString() : body;
    message = message.strip();
    if (message.isEmpty()) {
      message = "no detail";
    }
    return message.length() <= MAX_MESSAGE_CHARS
        ? message
        : message.substring(0, MAX_MESSAGE_CHARS) + "…";
  }

  private JsonNode status(ApiException e) {
    String body = e.getResponseBody();
    if (body == null || body.isBlank()) {
      return json.missingNode();
    }
    try {
      return json.readTree(body);
    } catch (RuntimeException notJson) {
      // "404 page not found" and proxies' plain-text errors
      return json.missingNode();
    }
  }
}
