package io.clusteragent.natsbridge.stream;

import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Headers;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream from agent to platform with credit-based flow control. The producer's thread blocks
 * in {@link #send} while the consumer has granted nothing, so the stream holds at most the one chunk
 * being sent: a slow consumer slows only its own producer, never another stream.
 */
public final class OutboundStream implements StreamSink {

  /** Grants beyond this are ignored: a confused consumer cannot make us buffer-ahead without bound. */
  static final int MAX_OUTSTANDING_CREDIT = 1024;

  private final String id;
  private final String subject;
  private final String instanceId;
  private final FramePublisher publisher;
  private final int maxFrameBytes;
  private final Duration stallTimeout;
  private final Semaphore credit;
  private final AtomicLong seq = new AtomicLong();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicLong dataFramesSent = new AtomicLong();
  private final long createdNanos = System.nanoTime();
  private volatile long lastFrameNanos = System.nanoTime();
  private volatile String closedReason;
  private volatile ErrorCode closeCode;

  public OutboundStream(String id, String subject, String instanceId, FramePublisher publisher, int initialCredit, int maxFrameBytes, Duration stallTimeout) {
    this.id = id;
    this.subject = subject;
    this.instanceId = instanceId;
    this.publisher = publisher;
    this.maxFrameBytes = maxFrameBytes;
    this.stallTimeout = stallTimeout;
    this.credit = new Semaphore(initialCredit);
  }

  public String id() {
    return id;
  }

  @Override
  public void send(byte[] chunk) throws InterruptedException, StreamClosedException {
    for (int offset = 0; offset < chunk.length || (chunk.length == 0 && offset == 0); offset += maxFrameBytes) {
      byte[] slice = chunk.length <= maxFrameBytes ? chunk : Arrays.copyOfRange(chunk, offset, Math.min(chunk.length, offset + maxFrameBytes));
      awaitCredit();
      frame(FrameKind.DATA, seq.incrementAndGet(), slice);
      dataFramesSent.incrementAndGet();
      if (chunk.length == 0) {
        break;
      }
    }
  }

  private void awaitCredit() throws InterruptedException, StreamClosedException {
    long deadline = System.nanoTime() + stallTimeout.toNanos();
    while (true) {
      ensureOpen();
      if (credit.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        ensureOpen();
        return;
      }
      if (System.nanoTime() > deadline) {
        close(ErrorCode.CANCELLED, "consumer stalled: no credit for " + stallTimeout.toSeconds() + "s");
        throw new StreamClosedException(closedReason);
      }
    }
  }

  private void ensureOpen() throws StreamClosedException {
    if (closedReason != null) {
      throw new StreamClosedException(closedReason);
    }
  }

  public void grant(int frames) {
    if (frames > 0 && credit.availablePermits() < MAX_OUTSTANDING_CREDIT) {
      credit.release(Math.min(frames, MAX_OUTSTANDING_CREDIT - credit.availablePermits()));
    }
  }

  /**
   * Stops the producer: its next {@link #send} throws. The final frame is sent by {@link #end} or
   * {@link #fail}; the code given here is the one that error frame should carry.
   */
  public synchronized void close(ErrorCode code, String reason) {
    if (closedReason == null) {
      closedReason = reason;
      closeCode = code;
    }
  }

  /** Why the stream was closed from outside (cancel, stall, lost connection), or null. */
  public ErrorCode closeCode() {
    return closeCode;
  }

  public String closeReason() {
    return closedReason;
  }

  private synchronized void closeQuietly(String reason) {
    if (closedReason == null) {
      closedReason = reason;
    }
  }

  public boolean isClosed() {
    return closedReason != null;
  }

  public void end(byte[] summary) {
    if (finished.compareAndSet(false, true)) {
      closeQuietly("ended");
      frame(FrameKind.END, seq.incrementAndGet(), summary == null ? new byte[0] : summary);
    }
  }

  public void fail(byte[] errorBody) {
    if (finished.compareAndSet(false, true)) {
      closeQuietly("failed");
      frame(FrameKind.ERROR, seq.incrementAndGet(), errorBody);
    }
  }

  public boolean isFinished() {
    return finished.get();
  }

  /** Sends a heartbeat if nothing was sent for {@code idle}; heartbeats cost no credit. */
  public void heartbeatIfIdle(Duration idle) {
    if (!finished.get() && System.nanoTime() - lastFrameNanos >= idle.toNanos()) {
      frame(FrameKind.HEARTBEAT, seq.get(), new byte[0]);
    }
  }

  public long dataFramesSent() {
    return dataFramesSent.get();
  }

  public int availableCredit() {
    return credit.availablePermits();
  }

  public Duration age() {
    return Duration.ofNanos(System.nanoTime() - createdNanos);
  }

  private void frame(FrameKind kind, long sequence, byte[] body) {
    io.nats.client.impl.Headers headers = new io.nats.client.impl.Headers()
        .put(Headers.FRAME, kind.wire())
        .put(Headers.STREAM, id)
        .put(Headers.SEQ, Long.toString(sequence))
        .put(Headers.INSTANCE, instanceId);
    lastFrameNanos = System.nanoTime();
    publisher.publish(subject, headers, body);
  }
}
