package io.clusteragent.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Follows the frame boundaries of a server's WebSocket byte stream (RFC 6455, section 5.2) as the
 * gateway relays it, without changing a byte. It exists so the gateway can end a session the agent
 * lost with a close frame of its own, which is only well-formed between two frames.
 */
final class WebSocketFrames {

  /** The "internal error" close code; clients accept it from a server (1014 they refuse). */
  static final int INTERNAL_ERROR = 1011;

  /** A close frame's payload is at most 125 bytes: 2 for the code, the rest for the reason. */
  private static final int MAX_REASON_BYTES = 123;

  private final byte[] header = new byte[14];
  private int headerRead;
  private long payloadLeft;
  private boolean broken;

  /** Takes the next relayed bytes into account. */
  void consume(byte[] bytes) {
    int i = 0;
    while (i < bytes.length && !broken) {
      if (payloadLeft > 0) {
        int n = (int) Math.min(payloadLeft, bytes.length - i);
        payloadLeft -= n;
        i += n;
        continue;
      }
      header[headerRead++] = bytes[i++];
      if (headerRead >= 2 && headerRead == headerLength()) {
        payloadLeft = payloadLength();
        headerRead = 0;
        broken = payloadLeft < 0; // not WebSocket after all: never claim a boundary again
      }
    }
  }

  /** Whether the bytes so far end exactly after a whole frame. */
  boolean atBoundary() {
    return !broken && headerRead == 0 && payloadLeft == 0;
  }

  private int headerLength() {
    int length7 = header[1] & 0x7f;
    boolean masked = (header[1] & 0x80) != 0;
    return 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private long payloadLength() {
    int length7 = header[1] & 0x7f;
    if (length7 < 126) {
      return length7;
    }
    long length = 0;
    for (int b = 2; b < (length7 == 126 ? 4 : 10); b++) {
      length = (length << 8) | (header[b] & 0xff);
    }
    return length;
  }

  /** An unmasked close frame (as a server sends it) with {@code code} and {@code reason}. */
  static byte[] close(int code, String reason) {
    String fitting = reason;
    // shortened by characters, not bytes: a client refuses a reason that is not valid UTF-8
    while (fitting.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
      fitting = fitting.substring(0, fitting.length() - 1);
    }
    byte[] text = fitting.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x88); // FIN, opcode close
    frame.write(2 + text.length);
    frame.write(code >> 8);
    frame.write(code & 0xff);
    frame.writeBytes(text);
    return frame.toByteArray();
  }
}
