package io.clusteragent.core.stream;

import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.protocol.FrameKind;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One stream's whole life: credit in both directions, sequence numbers, idle heartbeats, the stall
 * timeout, and the final frame. Whether and why it was stopped lives in its {@link Cancellation},
 * which the dispatcher also uses for the command, so there is one record of a cancel, a stall, a
 * deadline or a lost connection.
 *
 * <p>Output: the producer's thread blocks in {@link #send} while the consumer has granted nothing,
 * so the stream holds at most the one chunk being sent: a slow consumer slows only its own
 * producer.
 *
 * <p>Input (exec stdin, port-forward bytes): nothing may arrive until the handler first calls
 * {@link #receive}; then the platform gets {@code inputWindow} frames of credit, and one more for
 * each frame the handler takes. Input beyond credit, out of sequence or oversized stops the stream
 * with {@link CloseReason.InputRejected}, so input never queues beyond the window.
 *
 * <p>A write's stream (its command's job class is {@link JobClass#WRITE}: a helm upgrade reporting
 * progress) outlives its consumer. A stall or a reap does not stop the command, since killing helm
 * mid-upgrade leaves the release pending until auto-heal; the stream stops feeding the consumer
 * instead. Progress frames are then dropped at once (counted in {@code
 * agent.streams.frames.dropped{reason}}, and each takes its sequence number, so the platform sees
 * the gap); after a stall, the first grant resumes them. The final frame carries the real outcome
 * and is always sent once: at once when credit is there or the stream was reaped (nobody will grant
 * again), else when the next grant arrives, and at the latest one stall timeout after the outcome
 * is known. A platform cancel still stops a write, through the cancellation.
 */
public final class CommandStream implements StreamSink {

  /**
   * Grants beyond this are ignored: a confused consumer cannot make us send-ahead without bound.
   */
  public static final int MAX_OUTSTANDING_CREDIT = 1024;

  private final String id;
  private final FramePublisher publisher;
  private final int maxFrameBytes;
  private final Duration stallTimeout;
  private final int inputWindow;
  private final BlockingQueue<byte[]> input;
  private final AtomicBoolean inputOpened = new AtomicBoolean();
  private long lastInputSeq;
  private int inputCredit;
  private int takenSinceGrant;
  private final Cancellation cancellation = new Cancellation();
  private final Semaphore credit;
  private final boolean write;
  private final MeterRegistry meters;

  /**
   * Why a write's consumer is not being fed ({@link CloseReason.Stalled} or {@link
   * CloseReason.Reaped}); null while it reads. Never set for other streams: they stop instead.
   */
  private final AtomicReference<CloseReason> unfed = new AtomicReference<>();

  private final AtomicLong framesDropped = new AtomicLong();

  /** A write's final frame waiting for credit; guarded by {@link #publishing}. */
  private FinalFrame heldFinal;

  private final CompletableFuture<Void> finalSent = new CompletableFuture<>();

  /**
   * Held from taking a sequence number until the frame is with the transport. The producer's data
   * frames, the input side's credit frames and the scheduler's heartbeats come from different
   * threads; without it a credit frame could carry a number whose data frame is not out yet, or
   * leave after a higher-numbered one, and the platform rightly takes either as lost frames.
   */
  private final Object publishing = new Object();

  private long seq;

  /** Set by the first end or error; {@link #finished} once that frame is with the transport. */
  private final AtomicBoolean ending = new AtomicBoolean();

  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicLong dataFramesSent = new AtomicLong();
  private final long createdNanos = System.nanoTime();
  private volatile long lastFrameNanos = System.nanoTime();

  /** Marks the end of the platform's input in the queue; compared by identity. */
  private static final byte[] END_OF_INPUT = new byte[0];

  private record FinalFrame(FrameKind kind, byte[] body) {}

  /**
   * {@code jobClass}: the command's; {@link JobClass#WRITE} makes the stream outlive its consumer
   * (see above).
   */
  public CommandStream(
      String id,
      FramePublisher publisher,
      int initialCredit,
      StreamLimits limits,
      JobClass jobClass,
      MeterRegistry meters) {
    this.id = id;
    this.write = jobClass == JobClass.WRITE;
    this.meters = meters;
    this.publisher = publisher;
    this.maxFrameBytes = limits.maxFrameBytes();
    this.stallTimeout = limits.stallTimeout();
    this.inputWindow = limits.inputWindow();
    this.input = new ArrayBlockingQueue<>(inputWindow + 1);
    this.credit = new Semaphore(Math.min(Math.max(initialCredit, 0), MAX_OUTSTANDING_CREDIT));
  }

  public String id() {
    return id;
  }

  /** Whether the stream reports on a write: a stall or a reap does not stop it. */
  public boolean isWrite() {
    return write;
  }

  /** The command's cancellation: pass it to the dispatcher with this stream. */
  public Cancellation cancellation() {
    return cancellation;
  }

  @Override
  public void send(byte[] chunk) throws InterruptedException, StreamClosedException {
    for (int offset = 0;
        offset < chunk.length || (chunk.length == 0 && offset == 0);
        offset += maxFrameBytes) {
      byte[] slice =
          chunk.length <= maxFrameBytes
              ? chunk
              : Arrays.copyOfRange(chunk, offset, Math.min(chunk.length, offset + maxFrameBytes));
      if (awaitCredit()) {
        synchronized (publishing) {
          frame(FrameKind.DATA, ++seq, slice);
        }
        dataFramesSent.incrementAndGet();
      } else {
        drop();
      }
      if (chunk.length == 0) {
        break;
      }
    }
  }

  /**
   * True with a credit taken; false when a write's consumer is not fed and the frame is dropped.
   */
  private boolean awaitCredit() throws InterruptedException, StreamClosedException {
    long deadline = System.nanoTime() + stallTimeout.toNanos();
    while (true) {
      ensureOpen();
      CloseReason notFed = unfed.get();
      if (notFed != null) {
        // a reaped stream's platform has forgotten it; a stalled one's may come back with credit
        if (notFed instanceof CloseReason.Stalled && credit.tryAcquire()) {
          unfed.compareAndSet(notFed, null);
          return true;
        }
        return false;
      }
      if (credit.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        ensureOpen();
        return true;
      }
      if (System.nanoTime() > deadline) {
        // Stopping the command, not only this send: a handler that treats a closed stream as
        // "nobody listens, return" must still end with an error frame, never a clean END. A
        // write is not stopped (see close): this frame and the next are dropped.
        close(new CloseReason.Stalled(stallTimeout));
        ensureOpen();
      }
    }
  }

  /**
   * A frame a write's unfed consumer does not get: it still takes its number, so the platform sees
   * the gap, and nothing is buffered.
   */
  private void drop() {
    synchronized (publishing) {
      ++seq;
    }
    framesDropped.incrementAndGet();
    CloseReason why = unfed.get();
    meters
        .counter(
            "agent.streams.frames.dropped",
            "reason",
            why instanceof CloseReason.Reaped ? "reaped" : "stalled")
        .increment();
  }

  private void ensureOpen() throws StreamClosedException {
    CloseReason reason = cancellation.reason();
    if (reason != null) {
      throw new StreamClosedException(reason.message());
    }
  }

  /** The consumer's grant of {@code frames} more data frames. */
  public void grant(int frames) {
    if (frames > 0 && credit.availablePermits() < MAX_OUTSTANDING_CREDIT) {
      credit.release(Math.min(frames, MAX_OUTSTANDING_CREDIT - credit.availablePermits()));
    }
    if (frames > 0) {
      sendHeldFinal(); // the consumer is back: the outcome it waits for goes first
    }
  }

  @Override
  public byte[] receive() throws InterruptedException, StreamClosedException {
    if (inputOpened.compareAndSet(false, true)) {
      grantInput(inputWindow);
    }
    while (true) {
      ensureOpen();
      byte[] next = input.poll(100, TimeUnit.MILLISECONDS);
      if (next == null) {
        continue;
      }
      if (next == END_OF_INPUT) {
        input.offer(END_OF_INPUT); // stays at the end for any later call
        return null;
      }
      synchronized (this) {
        // Granting in batches of half the window keeps credit frames few without starving the
        // sender.
        if (++takenSinceGrant >= Math.max(1, inputWindow / 2)) {
          grantInput(takenSinceGrant);
          takenSinceGrant = 0;
        }
      }
      return next;
    }
  }

  private synchronized void grantInput(int frames) {
    // Counted before it is published, so a frame sent on this grant is never judged beyond credit.
    inputCredit += frames;
    synchronized (publishing) {
      if (!finished.get()) {
        publisher.credit(seq, frames);
      }
    }
  }

  /**
   * One input frame from the platform. Returns false when it was refused; a refusal stops the
   * stream (its error frame says why), because input with a hole or an overrun cannot be handed on.
   */
  public synchronized boolean acceptInput(long sequence, boolean end, byte[] body) {
    if (cancellation.isCancelled() || finished.get()) {
      return false;
    }
    if (sequence != lastInputSeq + 1) {
      close(
          new CloseReason.InputRejected(
              "input frame "
                  + sequence
                  + " after "
                  + lastInputSeq
                  + ": frames were lost or repeated"));
      return false;
    }
    lastInputSeq = sequence;
    if (end) {
      input.offer(END_OF_INPUT);
      return true;
    }
    if (body.length > maxFrameBytes) {
      close(
          new CloseReason.InputRejected(
              "input frame of " + body.length + " bytes exceeds " + maxFrameBytes));
      return false;
    }
    if (inputCredit <= 0) {
      close(
          new CloseReason.InputRejected("input frame " + sequence + " beyond the granted credit"));
      return false;
    }
    inputCredit--;
    input.offer(body);
    return true;
  }

  /**
   * Stops the producer and its command; the first reason wins. The final frame follows the
   * command's result. A write's stream is not stopped for a lost consumer (a stall, a reap): it
   * stops feeding it instead (see the class comment).
   */
  public void close(CloseReason reason) {
    boolean consumerLost =
        switch (reason) {
          case CloseReason.Stalled stalled -> true;
          case CloseReason.Reaped reaped -> true;
          default -> false;
        };
    if (write && consumerLost) {
      stopFeeding(reason);
    } else {
      cancellation.cancel(reason);
    }
  }

  private void stopFeeding(CloseReason reason) {
    if (reason instanceof CloseReason.Reaped) {
      unfed.set(reason); // a reap outranks a stall: no grant will come
      sendHeldFinal();
    } else {
      unfed.compareAndSet(null, reason);
    }
  }

  /** Why a write's consumer is not being fed (a stall, a reap), or null while it reads. */
  public CloseReason unfedReason() {
    return unfed.get();
  }

  /** Progress frames dropped because a write's consumer was not fed. */
  public long framesDropped() {
    return framesDropped.get();
  }

  /** Why the stream was stopped from outside, or null while it runs. */
  public CloseReason closeReason() {
    return cancellation.reason();
  }

  /** Sends the END frame (with an optional JSON summary); only the first final frame is sent. */
  public void end(byte[] summary) {
    finish(FrameKind.END, summary == null ? new byte[0] : summary);
  }

  /** Sends the ERROR frame (an error body); only the first final frame is sent. */
  public void fail(byte[] errorBody) {
    finish(FrameKind.ERROR, errorBody);
  }

  private void finish(FrameKind kind, byte[] body) {
    synchronized (publishing) {
      if (!ending.compareAndSet(false, true)) {
        return;
      }
      if (unfed.get() instanceof CloseReason.Stalled && credit.availablePermits() == 0) {
        // A stalled write's outcome waits for the consumer's next grant, but not forever: a
        // consumer that never grants again gets it anyway, once, a stall timeout later. It is one
        // small frame, so holding it costs nothing and sending it without credit overruns little.
        heldFinal = new FinalFrame(kind, body);
        CompletableFuture.delayedExecutor(stallTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .execute(this::sendHeldFinal);
        return;
      }
      sendFinal(kind, body);
    }
  }

  private void sendHeldFinal() {
    synchronized (publishing) {
      FinalFrame held = heldFinal;
      if (held != null) {
        heldFinal = null;
        sendFinal(held.kind(), held.body());
      }
    }
  }

  private void sendFinal(FrameKind kind, byte[] body) {
    finished.set(true);
    try {
      frame(kind, ++seq, body);
    } finally {
      finalSent.complete(null);
    }
  }

  /** The end or error frame has been handed to the transport. */
  public boolean isFinished() {
    return finished.get();
  }

  /** A write's final frame is waiting for credit (see the class comment). */
  public boolean holdsFinal() {
    synchronized (publishing) {
      return heldFinal != null;
    }
  }

  /** Completes once the end or error frame has been handed to the transport. */
  public CompletableFuture<Void> finalSent() {
    return finalSent;
  }

  /** Sends a heartbeat if nothing was sent for {@code idle}; heartbeats cost no credit. */
  public void heartbeatIfIdle(Duration idle) {
    synchronized (publishing) {
      if (!finished.get() && System.nanoTime() - lastFrameNanos >= idle.toNanos()) {
        frame(FrameKind.HEARTBEAT, seq, new byte[0]);
      }
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
    lastFrameNanos = System.nanoTime();
    publisher.publish(kind, sequence, body);
  }
}
