package io.clusteragent.cli;

import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.FrameKind;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The platform's end of one streaming command, opened by {@link PlatformClient#openStream}. One
 * thread reads with {@link #next}; {@link #grant}, {@link #cancel} and the accessors may be called
 * from any thread.
 *
 * <p>Credit: in auto mode (the default) each data frame returned by {@code next} earns one frame
 * back, granted in batches of half the initial credit (every grant is a signed control message, so
 * fewer is cheaper for both sides), so the agent stays between half and all of {@code
 * initialCredit} frames ahead. In manual mode nothing is granted unless {@link #grant} is called,
 * which is how a test plays a slow consumer.
 *
 * <p>Every frame is checked: sequence gaps, frames beyond the granted credit, frames after the end
 * and frames of another stream make {@code next} throw {@link StreamProtocolException}.
 */
public final class PlatformStream implements AutoCloseable {

  /**
   * Frames held between arrival and {@code next}. Credit keeps a correct agent far below this; it
   * only stops a runaway producer from eating memory, and what it drops shows up as a sequence gap.
   */
  static final int MAX_QUEUED_FRAMES = 4096;

  static final long MAX_QUEUED_BYTES = 64L * 1024 * 1024;

  private final PlatformClient client;
  private final String id;
  private final Subscription inbox;
  private final StreamState state;
  private volatile boolean autoCredit = true;
  private final int grantBatch;

  /** Data frames read in auto mode and not granted back yet; touched by the reading thread only. */
  private int earned;

  private volatile boolean open = true;
  private volatile boolean cancelled;

  /** Input frames the agent will take (its credit frames add to it); writers wait on it. */
  private final Semaphore inputCredit = new Semaphore(0);

  private final Object inputLock = new Object();
  private long inputSeq;
  private boolean inputEnded;
  private volatile String instance;

  PlatformStream(PlatformClient client, String id, Subscription inbox, int initialCredit) {
    this.client = client;
    this.id = id;
    this.inbox = inbox;
    this.state = new StreamState(id, initialCredit);
    this.grantBatch = Math.max(1, initialCredit / 2);
    inbox.setPendingLimits(MAX_QUEUED_FRAMES, MAX_QUEUED_BYTES);
  }

  /** The stream id: the command envelope's id. */
  public String id() {
    return id;
  }

  /** The inbox subject frames arrive on (the command's reply subject). */
  public String inbox() {
    return inbox.getSubject();
  }

  /**
   * The next frame, heartbeats included, or null when none arrived within {@code timeout}. After
   * the end or error frame it returns null, or throws FRAME_AFTER_END if the agent sends anything
   * more.
   *
   * @throws StreamProtocolException when the frame breaks the protocol; it carries the frame, and
   *     the stream remains readable
   * @throws NoReplyException when the server reports that no agent took the command
   */
  public Frame next(Duration timeout) throws InterruptedException {
    Message message = inbox.nextMessage(timeout);
    if (message == null) {
      return null;
    }
    if (message.isStatusMessage()) {
      if (message.getStatus().getCode() == 503) {
        throw new NoReplyException(
            NoReplyException.Reason.NO_RESPONDERS,
            "no agent is subscribed to " + client.subjects().commands());
      }
      throw new StreamProtocolException(
          StreamProtocolException.Violation.MALFORMED_FRAME,
          "server status " + message.getStatus().getCode() + " " + message.getStatus().getMessage(),
          null);
    }
    Frame frame = refusal(message);
    if (frame == null) {
      frame = Frame.from(message);
    }
    StreamProtocolException problem = state.accept(frame);
    if (frame.instance() != null) {
      instance = frame.instance();
    }
    if (frame.kind() == FrameKind.CREDIT && problem == null && frame.credit() > 0) {
      inputCredit.release(frame.credit());
    }
    if (autoCredit
        && frame.kind() == FrameKind.DATA
        && (problem == null
            || problem.violation() == StreamProtocolException.Violation.SEQUENCE_GAP
            || problem.violation() == StreamProtocolException.Violation.OUT_OF_ORDER)) {
      // A data frame paid for with credit earns it back even when its number is off, so a test that
      // reads on after a gap does not also starve the producer. Overruns, foreign and late frames
      // were never paid for.
      if (++earned >= grantBatch) {
        grant(earned);
        earned = 0;
      }
    }
    if (problem != null) {
      throw problem;
    }
    return frame;
  }

  /**
   * A command the agent refused before its stream began (busy, unauthenticated, a replay, an
   * unreadable envelope) is answered once, as a unary error reply: that ends the stream as its
   * error frame would. Null for any other message.
   */
  private Frame refusal(Message message) {
    io.nats.client.impl.Headers headers = message.getHeaders();
    if (headers == null
        || headers.getFirst(io.clusteragent.protocol.Headers.FRAME) != null
        || !Reply.ERROR.equals(headers.getFirst(io.clusteragent.protocol.Headers.STATUS))
        || state.lastSeq() != 0) {
      return null;
    }
    return new Frame(
        FrameKind.ERROR,
        id,
        1,
        headers.getFirst(io.clusteragent.protocol.Headers.INSTANCE),
        message.getData() == null ? new byte[0] : message.getData());
  }

  /** Lets the agent send {@code frames} more data frames. */
  public void grant(int frames) {
    // Recorded before it is published: the agent cannot use a grant before we count it, so the
    // overrun check never fires falsely.
    state.granted(frames);
    client.publishControl(Control.credit(id, frames, client.now()));
  }

  /**
   * Sends {@code data} as the stream's input, split into frames of at most {@code maxFrameBytes},
   * each waiting for the agent's input credit. Credit arrives as frames read by {@link #next}, so
   * another thread must be reading. Returns false when no credit came within {@code timeout}.
   */
  public boolean write(byte[] data, int maxFrameBytes, Duration timeout)
      throws InterruptedException {
    synchronized (inputLock) {
      if (inputEnded) {
        throw new IllegalStateException("input of stream " + id + " has ended");
      }
      for (int offset = 0; offset < data.length; offset += maxFrameBytes) {
        if (!inputCredit.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          return false;
        }
        byte[] frame =
            Arrays.copyOfRange(data, offset, Math.min(data.length, offset + maxFrameBytes));
        publishInput(FrameKind.DATA, frame);
      }
      return true;
    }
  }

  /** Tells the agent the input has ended (stdin closed); free of credit. */
  public void endInput() {
    synchronized (inputLock) {
      if (!inputEnded && instance != null) {
        inputEnded = true;
        publishInput(FrameKind.END, new byte[0]);
      }
    }
  }

  /** Input frames the agent will still take without a new grant. */
  public int inputCredit() {
    return inputCredit.availablePermits();
  }

  private void publishInput(FrameKind kind, byte[] body) {
    String owner = instance;
    if (owner == null) {
      throw new IllegalStateException("stream " + id + " has not said which replica owns it yet");
    }
    client.publishInput(owner, id, kind, ++inputSeq, body);
  }

  /** Asks the agent to stop; it should answer with an error frame carrying CANCELLED. */
  public void cancel(String reason) {
    cancelled = true;
    client.publishControl(Control.cancel(id, reason, client.now()));
  }

  /**
   * Auto mode grants one frame back per data frame read; manual mode grants only on {@link #grant}.
   */
  public void setAutoCredit(boolean enabled) {
    this.autoCredit = enabled;
  }

  public boolean autoCredit() {
    return autoCredit;
  }

  /** Data frames the agent may still send without waiting; negative if it overran its credit. */
  public long outstandingCredit() {
    return state.outstandingCredit();
  }

  /** Data frames read so far. */
  public long dataFrames() {
    return state.dataFrames();
  }

  /** The highest sequence number seen. */
  public long lastSeq() {
    return state.lastSeq();
  }

  /** The end or error frame once it has been read, else null. */
  public Frame terminal() {
    return state.terminal();
  }

  public boolean finished() {
    return state.terminal() != null;
  }

  /**
   * Stops listening without telling the agent, as a crashed platform would; the agent reaps the
   * stream through sync or its stall timeout.
   */
  public void abandon() {
    if (open) {
      open = false;
      if (inbox.isActive()) {
        inbox.unsubscribe();
      }
    }
  }

  /** Cancels the stream unless it has finished or was cancelled already, then stops listening. */
  @Override
  public void close() {
    if (open
        && !cancelled
        && state.terminal() == null
        && client.connection().getStatus() != Connection.Status.CLOSED) {
      cancel("closed by the platform");
    }
    abandon();
  }
}
