package io.clusteragent.helm.binary;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a child's output stream into memory up to a limit. Past the limit it keeps reading (so the
 * child never blocks on a full pipe) but stores nothing more, and tells its caller once, so a
 * runaway helm costs at most {@code limit} bytes of heap.
 */
final class BoundedCapture {

  /** What was read: at most the limit, and whether more was offered. */
  record Captured(byte[] bytes, boolean overflowed) {}

  private final int limit;
  private final Runnable onOverflow;

  /**
   * @param onOverflow runs once, on the reading thread, when the limit is first exceeded
   */
  BoundedCapture(int limit, Runnable onOverflow) {
    this.limit = limit;
    this.onOverflow = onOverflow;
  }

  Captured read(InputStream in) {
    ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(limit, 8192));
    boolean overflowed = false;
    byte[] chunk = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(chunk)) != -1) {
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
    return new Captured(kept.toByteArray(), overflowed);
  }
}
