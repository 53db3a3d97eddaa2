package io.clusteragent.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Exactly what a platform signature covers: the subject a message is published on (so a command
 * signed for one cluster cannot be replayed to another), its reply subject (so nobody can redirect
 * the answer), the stream headers of an input frame, and the body bytes as sent (so no JSON
 * re-encoding can change what was signed). The envelope's id, type, actor, deadline and payload are
 * all in the body.
 */
public record SignedContent(
    String subject, String replyTo, String stream, String frame, String seq, byte[] body) {

  private static final byte[] DOMAIN =
      "cluster-agent signed message v1\n".getBytes(StandardCharsets.UTF_8);

  public static SignedContent command(String subject, String replyTo, byte[] body) {
    return new SignedContent(subject, replyTo, null, null, null, body);
  }

  public static SignedContent control(String subject, byte[] body) {
    return new SignedContent(subject, null, null, null, null, body);
  }

  public static SignedContent input(
      String subject, String stream, String frame, String seq, byte[] body) {
    return new SignedContent(subject, null, stream, frame, seq, body);
  }

  /**
   * The bytes signed: a domain tag, then each field on its own line (none may hold a newline), then
   * the body.
   */
  public byte[] bytes() {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(DOMAIN.length + 256 + (body == null ? 0 : body.length));
    out.writeBytes(DOMAIN);
    for (String field : new String[] {subject, replyTo, stream, frame, seq}) {
      String value = field == null ? "" : field;
      if (value.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a signed header or subject cannot hold a newline");
      }
      out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    if (body != null) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }
}
