package io.clusteragent.helm.releases;

import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.command.StreamSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A long operation's progress as stream frames, one JSON object per line ({@code phase}, {@code
 * log}, {@code waiting}). Reporting never slows the operation: events go through a bounded queue to
 * a writer thread, and when the platform reads slower than helm writes, events are dropped and the
 * count is said in the next one that gets through, instead of blocking helm on a full stderr pipe.
 * The platform stopping the stream (cancel) does not stop the operation; the cancellation does.
 */
public final class ProgressFrames implements AutoCloseable {

  private static final int QUEUE = 256;

  /** A chatty chart should not turn one upgrade into megabytes of frames. */
  private static final int MAX_LOG_LINES = 2000;

  /** How long close() waits for the queue to drain before the result frame goes out. */
  private static final Duration DRAIN = Duration.ofSeconds(2);

  private static final byte[] POISON = new byte[0];

  private final StreamSink sink;
  private final JsonMapper json;
  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong logLines = new AtomicLong();
  private final long started = System.nanoTime();
  private final Thread writer;
  private final Thread heartbeat;

  public ProgressFrames(StreamSink sink, JsonMapper json, Duration heartbeatEvery) {
    this.sink = sink;
    this.json = json;
    this.writer = Thread.ofVirtual().name("helm-progress").start(this::write);
    this.heartbeat =
        Thread.ofVirtual()
            .name("helm-progress-heartbeat")
            .start(() -> {
              try {
                while (true) {
                  Thread.sleep(heartbeatEvery);
                  offer(event("waiting"));
                }
              } catch (InterruptedException e) {
                // closed
              }
            });
  }

  /** The operation reached a new step ({@code fetching-index}, {@code installing}, …). */
  public void phase(String phase, String detail) {
    ObjectNode event = event("phase").put("phase", phase);
    if (detail != null) {
      event.put("detail", detail);
    }
    offer(event);
  }

  /** One line helm wrote (already redacted by the runner). */
  public void log(String line) {
    if (line.isBlank()) {
      return;
    }
    long n = logLines.incrementAndGet();
    if (n > MAX_LOG_LINES) {
      dropped.incrementAndGet();
      return;
    }
    offer(event("log").put("line", line));
  }

  /** A stack node's progress: {@code started}, then its final status and message. */
  public void node(String stack, String kind, String name, String status, String message) {
    ObjectNode event =
        event("node").put("stack", stack).put("kind", kind).put("name", name).put("status", status);
    if (message != null && !message.isEmpty()) {
      event.put("message", message);
    }
    offer(event);
  }

  private ObjectNode event(String kind) {
    return json.createObjectNode()
        .put("event", kind)
        .put("elapsedSeconds", Duration.ofNanos(System.nanoTime() - started).toSeconds());
  }

  private void offer(ObjectNode event) {
    long lost = dropped.getAndSet(0);
    if (lost > 0) {
      event.put("droppedBefore", lost);
    }
    byte[] line = (json.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
    if (!queue.offer(line)) {
      dropped.addAndGet(lost + 1);
    }
  }

  private void write() {
    try {
      while (true) {
        byte[] line = queue.take();
        if (line == POISON) {
          return;
        }
        sink.send(line);
      }
    } catch (InterruptedException | StreamClosedException e) {
      // the platform went away or we are done: the operation goes on regardless
      queue.clear();
    }
  }

  /** Stops the heartbeat and lets what is queued go out (briefly) before the result frame. */
  @Override
  public void close() throws InterruptedException {
    heartbeat.interrupt();
    heartbeat.join();
    if (!queue.offer(POISON, DRAIN.toMillis(), TimeUnit.MILLISECONDS) || !writer.join(DRAIN)) {
      writer.interrupt();
      writer.join();
    }
  }
}
