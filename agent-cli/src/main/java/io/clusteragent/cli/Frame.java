package io.clusteragent.cli;

import io.clusteragent.protocol.ErrorBody;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Headers;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/**
 * One stream frame as received. {@code seq} is {@code Agent-Seq}; {@code body} is the raw bytes
 * (payload for data, optional JSON summary for end, {@link ErrorBody} JSON for error); {@code
 * credit} is {@code Agent-Credit} on credit frames (input frames the agent will take), else 0.
 */
public record Frame(
    FrameKind kind, String stream, long seq, String instance, byte[] body, int credit) {

  public Frame(FrameKind kind, String stream, long seq, String instance, byte[] body) {
    this(kind, stream, seq, instance, body, 0);
  }

  /** True for end and error: the last frame of a stream. */
  public boolean terminal() {
    return kind == FrameKind.END || kind == FrameKind.ERROR;
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body as JSON; null when empty (an end frame without summary). */
  public JsonNode json() {
    return body.length == 0 ? null : WireJson.MAPPER.readTree(body);
  }

  /** The error of an error frame; null for other kinds or an unreadable body. */
  public ErrorBody error() {
    if (kind != FrameKind.ERROR || body.length == 0) {
      return null;
    }
    try {
      return WireJson.MAPPER.readValue(body, ErrorBody.class);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /**
   * Reads the frame headers; a frame without a kind or sequence cannot be placed and is refused.
   */
  static Frame from(Message message) {
    io.nats.client.impl.Headers headers = message.getHeaders();
    byte[] body = message.getData() == null ? new byte[0] : message.getData();
    String kind = headers == null ? null : headers.getFirst(Headers.FRAME);
    String seq = headers == null ? null : headers.getFirst(Headers.SEQ);
    if (kind == null || seq == null) {
      throw new StreamProtocolException(
          StreamProtocolException.Violation.MALFORMED_FRAME,
          "message without " + Headers.FRAME + " or " + Headers.SEQ + " header",
          null);
    }
    try {
      FrameKind frameKind = FrameKind.fromWire(kind.strip());
      String credit = headers.getFirst(Headers.CREDIT);
      int grant =
          frameKind == FrameKind.CREDIT
              ? Integer.parseInt(credit == null ? "" : credit.strip())
              : 0;
      return new Frame(
          frameKind,
          headers.getFirst(Headers.STREAM),
          Long.parseLong(seq.strip()),
          headers.getFirst(Headers.INSTANCE),
          body,
          grant);
    } catch (IllegalArgumentException garbled) {
      throw new StreamProtocolException(
          StreamProtocolException.Violation.MALFORMED_FRAME,
          "unreadable frame headers " + Headers.FRAME + "=" + kind + ", " + Headers.SEQ + "=" + seq,
          null);
    }
  }
}
