package io.clusteragent.cli;

import io.clusteragent.protocol.ErrorBody;
import io.clusteragent.protocol.Headers;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/**
 * The answer to a unary command. {@code status} is the {@code Agent-Status} header ({@code ok},
 * {@code error}, or null when the agent sent none); {@code error} is the parsed body of an error
 * reply, null otherwise. {@code headers} is never null.
 */
public record Reply(
    String status, io.nats.client.impl.Headers headers, byte[] body, ErrorBody error) {

  public static final String OK = "ok";
  public static final String ERROR = "error";

  public boolean ok() {
    return OK.equals(status);
  }

  /** The first value of a header, or null. */
  public String header(String name) {
    return headers.getFirst(name);
  }

  /** The replica that answered. */
  public String instance() {
    return header(Headers.INSTANCE);
  }

  public String contentType() {
    return header(Headers.CONTENT_TYPE);
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body as JSON; fails when it is not JSON (raw replies). */
  public JsonNode json() {
    return WireJson.MAPPER.readTree(body);
  }

  public static Reply from(Message message) {
    io.nats.client.impl.Headers headers =
        message.getHeaders() == null ? new io.nats.client.impl.Headers() : message.getHeaders();
    byte[] body = message.getData() == null ? new byte[0] : message.getData();
    String status = headers.getFirst(Headers.STATUS);
    return new Reply(status, headers, body, ERROR.equals(status) ? parseError(body) : null);
  }

  private static ErrorBody parseError(byte[] body) {
    try {
      return WireJson.MAPPER.readValue(body, ErrorBody.class);
    } catch (RuntimeException unreadable) {
      // The status header already says it failed; an unreadable body must not hide that.
      return null;
    }
  }
}
