package io.clusteragent.proxy;

import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.command.StreamSink;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A platform stand-in for streaming commands: a bounded queue of chunks (a full queue blocks the
 * producer, like missing credit); {@link #close()} is the platform cancelling the stream.
 */
class QueueSink implements StreamSink {

  private final BlockingQueue<byte[]> chunks;
  private long bytes;
  private volatile boolean closed;

  QueueSink(int capacity) {
    this.chunks = new ArrayBlockingQueue<>(capacity);
  }

  @Override
  public void send(byte[] chunk) throws InterruptedException, StreamClosedException {
    if (closed) {
      throw new StreamClosedException("platform cancelled the stream");
    }
    chunks.put(chunk);
  }

  void close() {
    closed = true;
  }

  /** The next chunk as text, waiting until {@code untilNanos}; null when none came in time. */
  String next(long untilNanos) throws InterruptedException {
    byte[] chunk = chunks.poll(untilNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    if (chunk == null) {
      return null;
    }
    bytes += chunk.length;
    return new String(chunk, StandardCharsets.UTF_8);
  }

  /** Whatever is queued now, as text, without waiting. */
  String drain() {
    StringBuilder text = new StringBuilder();
    byte[] chunk;
    while ((chunk = chunks.poll()) != null) {
      bytes += chunk.length;
      text.append(new String(chunk, StandardCharsets.UTF_8));
    }
    return text.toString();
  }

  /** All bytes received, including chunks not yet consumed. */
  long bytes() {
    drain();
    return bytes;
  }
}
