package io.clusteragent.helm.binary;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads a child's output stream into memory up to a limit. Past the limit it keeps reading (so the
 * child never blocks on a full pipe) but stores nothing more, and tells its caller once, so a
 * runaway helm costs at most {@code limit} bytes of heap.
 */
final class BoundedCapture {

  /** What was read: at most the limit, and whether more was offered. */
  record Captured(byte[] bytes, boolean overflowed) {}

  /** A line longer than this is handed on in pieces: a progress line is never that long. */
  private static final int MAX_LINE = 4096;

  private final int limit;
  private final Runnable onOverflow;
  private final Consumer<String> lines;

  /**
   * @param onOverflow runs once, on the reading thread, when the limit is first exceeded
   */
  BoundedCapture(int limit, Runnable onOverflow) {
    this(limit, onOverflow, null);
  }

  /**
   * @param lines receives every complete line as it arrives (also past the limit), so a long
   *     operation can report progress while it runs; null for none
   */
  BoundedCapture(int limit, Runnable onOverflow, Consumer<String> lines) {
    this.limit = limit;
    this.onOverflow = onOverflow;
    this.lines = lines;
  }

  Captured read(InputStream in) {
    ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(limit, 8192));
    boolean overflowed = false;
    byte[] chunk = new byte[8192];
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (in) {
      int n;
      while ((n = in.read(chunk)) != -1) {
        if (lines != null) {
          split(chunk, n, line);
        }
        int room = limit - kept.size();
        if (n > room) {
          kept.write(chunk, 0, Math.max(room, 0));
          if (!overflowed) {
            overflowed = true;
            onOverflow.run();
          }
        } else {
          kept.write(chunk, 0, n);
        }
      }
    } catch (IOException e) {
      // The stream closes under us when the process is killed: what was read so far stands.
    }
    if (lines != null && line.size() > 0) {
      lines.accept(line.toString(StandardCharsets.UTF_8));
    }
    return new Captured(kept.toByteArray(), overflowed);
  }

  private void split(byte[] chunk, int length, ByteArrayOutputStream line) {
    for (int i = 0; i < length; i++) {
      byte b = chunk[i];
      if (b == '\n' || line.size() >= MAX_LINE) {
        lines.accept(line.toString(StandardCharsets.UTF_8));
        line.reset();
        if (b == '\n') {
          continue;
        }
      }
      if (b != '\r') {
        line.write(b);
      }
    }
  }
}
