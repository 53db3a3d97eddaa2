package io.clusteragent.proxy.tunnel;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Tunnel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * One API server request as the platform's gateway received it from kubectl, checked: an API path
 * (no other host, no {@code ..}), a known method, and only headers the API server may see. The
 * caller's credentials and any impersonation it asks for are dropped: the agent authenticates as
 * itself and impersonates the signed actor, so the cluster's RBAC decides.
 */
public record TunnelRequest(
    String method, String path, String query, Map<String, List<String>> headers, boolean body) {

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
  private static final Set<String> FIELDS = Set.of("method", "path", "query", "headers", "body");
  private static final List<String> API_ROOTS = List.of("/api", "/apis", "/version", "/openapi");
  private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*");
  private static final Pattern QUERY = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}");
  private static final int MAX_HEADERS = 64;
  private static final int MAX_HEADER_VALUE = 8 * 1024;

  /** Never forwarded: hop-by-hop headers, the caller's credentials, and impersonation. */
  private static final Set<String> DROPPED =
      Set.of(
          "authorization",
          "proxy-authorization",
          "proxy-connection",
          "connection",
          "keep-alive",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "cookie");

  /** Kept on upgrade requests only: what the API server needs to switch to WebSocket or SPDY. */
  private static final Set<String> UPGRADE_HEADERS = Set.of("connection", "upgrade");

  public static TunnelRequest from(JsonNode payload) throws CommandException {
    if (payload == null || !payload.isObject()) {
      throw bad("payload must be a JSON object with method, path, query?, headers?, body?");
    }
    for (String field : payload.propertyNames()) {
      if (!FIELDS.contains(field)) {
        throw bad(
            "unknown payload field '" + field + "'; allowed: " + FIELDS.stream().sorted().toList());
      }
    }
    String method = text(payload, "method", true).toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw bad("method '" + method + "' is not one of " + METHODS.stream().sorted().toList());
    }
    String path = text(payload, "path", true);
    if (!PATH.matcher(path).matches()
        || path.contains("//")
        || path.contains("/../")
        || path.endsWith("/..")
        || path.contains("/./")
        || path.toLowerCase(Locale.ROOT).contains("%2e")
        || path.toLowerCase(Locale.ROOT).contains("%2f")
        || API_ROOTS.stream().noneMatch(root -> path.equals(root) || path.startsWith(root + "/"))) {
      throw bad(
          "path must be an API server path under "
              + API_ROOTS
              + " without '..', '//' or encoded separators");
    }
    String query =
        payload.has("query") && !payload.get("query").isNull() ? text(payload, "query", true) : "";
    if (!QUERY.matcher(query).matches()) {
      throw bad("query holds characters a URL query cannot");
    }
    Map<String, List<String>> headers = headers(payload.get("headers"));
    JsonNode body = payload.get("body");
    if (body != null && !body.isNull() && !body.isBoolean()) {
      throw bad("body must be true (the request body follows as stream input) or false");
    }
    return new TunnelRequest(method, path, query, headers, body != null && body.booleanValue());
  }

  /**
   * True when the client asks to switch protocols (exec, attach, port-forward over WebSocket or
   * SPDY).
   */
  public boolean upgrade() {
    return headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("upgrade"));
  }

  /** True when the answer is long-lived: a watch, a followed log, or an upgraded connection. */
  public boolean longLived() {
    return Tunnel.longLived(query, headers.keySet());
  }

  /**
   * The headers to send on: without the dropped ones, keeping Connection/Upgrade for an upgrade.
   */
  public Map<String, List<String>> forwardedHeaders() {
    boolean upgrade = upgrade();
    Map<String, List<String>> kept = new LinkedHashMap<>();
    headers.forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      boolean impersonation = lower.startsWith("impersonate-");
      boolean dropped = DROPPED.contains(lower) && !(upgrade && UPGRADE_HEADERS.contains(lower));
      if (!impersonation && !dropped) {
        kept.put(name, values);
      }
    });
    return kept;
  }

  private static Map<String, List<String>> headers(JsonNode node) throws CommandException {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return headers;
    }
    if (!node.isObject() || node.size() > MAX_HEADERS) {
      throw bad(
          "headers must be an object of at most "
              + MAX_HEADERS
              + " names, each with a list of strings");
    }
    for (String name : node.propertyNames()) {
      if (!HEADER_NAME.matcher(name).matches()) {
        throw bad("header name '" + shorten(name) + "' is not a valid HTTP header name");
      }
      JsonNode values = node.get(name);
      if (!values.isArray()) {
        throw bad("header '" + name + "' must be a list of strings");
      }
      List<String> list = new ArrayList<>();
      for (JsonNode value : values) {
        if (!value.isString()
            || value.asString().length() > MAX_HEADER_VALUE
            || value.asString().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
          throw bad(
              "header '"
                  + name
                  + "' values must be strings of at most "
                  + MAX_HEADER_VALUE
                  + " characters without line breaks");
        }
        list.add(value.asString());
      }
      headers.put(name, List.copyOf(list));
    }
    return headers;
  }

  private static String text(JsonNode payload, String field, boolean required)
      throws CommandException {
    JsonNode node = payload.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw bad(field + " is required");
      }
      return "";
    }
    if (!node.isString() || node.asString().length() > 16 * 1024) {
      throw bad(field + " must be a string of at most 16 KiB");
    }
    return node.asString();
  }

  private static String shorten(String value) {
    return value.length() <= 60 ? value : value.substring(0, 60) + "…";
  }

  private static CommandException bad(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
