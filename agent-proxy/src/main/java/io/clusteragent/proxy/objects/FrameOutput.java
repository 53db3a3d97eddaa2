package io.clusteragent.proxy.objects;

import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.command.StreamSink;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * An output stream that becomes a command's data frames: bytes collect up to one chunk, then go out
 * through the sink, which blocks while the platform grants no credit. So a JSON generator writing
 * into it is paced by the platform, and the agent holds at most one chunk of output per stream.
 *
 * <p>The sink's checked exceptions cannot pass through {@link OutputStream}; they travel as {@link
 * Stopped} and {@link Stopped#rethrow()} turns them back.
 */
public final class FrameOutput extends OutputStream {

  private final StreamSink sink;
  private final byte[] chunk;
  private int filled;
  private long sent;

  public FrameOutput(StreamSink sink, int chunkBytes) {
    this.sink = sink;
    this.chunk = new byte[chunkBytes];
  }

  @Override
  public void write(int b) {
    if (filled == chunk.length) {
      sendChunk();
    }
    chunk[filled++] = (byte) b;
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    while (length > 0) {
      if (filled == chunk.length) {
        sendChunk();
      }
      int n = Math.min(length, chunk.length - filled);
      System.arraycopy(bytes, offset, chunk, filled, n);
      filled += n;
      offset += n;
      length -= n;
    }
  }

  /** Sends what is collected, so a quiet stream does not hold back its last bytes. */
  @Override
  public void flush() {
    if (filled > 0) {
      sendChunk();
    }
  }

  /** Bytes handed to the sink so far. */
  public long sent() {
    return sent;
  }

  private void sendChunk() {
    try {
      sink.send(Arrays.copyOf(chunk, filled));
    } catch (InterruptedException | StreamClosedException e) {
      throw new Stopped(e);
    }
    sent += filled;
    filled = 0;
  }

  /** The sink refused a chunk: the command was cancelled or the platform stopped reading. */
  public static final class Stopped extends RuntimeException {

    Stopped(Exception cause) {
      super(cause.getMessage(), cause, false, false);
    }

    /** Throws the sink's own exception again. */
    public void rethrow() throws InterruptedException, StreamClosedException {
      if (getCause() instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      throw (StreamClosedException) getCause();
    }
  }
}
