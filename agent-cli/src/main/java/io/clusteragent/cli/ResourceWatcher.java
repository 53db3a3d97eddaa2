package io.clusteragent.cli;

import io.clusteragent.protocol.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps a platform-side view of one collection equal to the cluster's across everything that cuts a
 * watch: a NATS outage, an agent restart, an API server restart, the API server ending the watch.
 * It plays client-go's reflector: list, then watch from the list's resourceVersion, remember the
 * resourceVersion of every event and bookmark, and re-open the watch from there, so nothing is
 * missed and nothing repeated. When the API server no longer has that version (410 Gone), it lists
 * again and hands the listener the whole collection to replace its view: a resync.
 *
 * <p>One thread of its own runs the loop and calls the listener; {@link #close()} stops it.
 */
public final class ResourceWatcher implements AutoCloseable {

  /** What the watcher tells its consumer, on the watcher's thread. */
  public interface Listener {

    /**
     * The whole collection, to replace whatever the consumer held: at the start, and after the
     * watch fell too far behind (410).
     */
    void resync(List<JsonNode> objects, String resourceVersion);

    /** One change, in the server's order: {@code ADDED}, {@code MODIFIED} or {@code DELETED}. */
    void event(String type, JsonNode object);
  }

  static final Duration IDLE = Duration.ofSeconds(20);
  static final Duration WATCH_DEADLINE = Duration.ofHours(1);
  static final int WATCH_CREDIT = 16;
  static final Duration PATH_CHECK = Duration.ofSeconds(2);

  private final PlatformClient client;
  private final ObjectNode target;
  private final Listener listener;
  private final Backoff backoff;
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong reopens = new AtomicLong();
  private volatile String resourceVersion;
  private volatile String lastProblem = "none";
  private volatile boolean closed;
  private volatile PlatformStream current;
  private Thread loop;

  /**
   * @param target the {@code resources.watch} payload without {@code resourceVersion}: {@code
   *     group}, {@code version}, {@code resource}, and optionally {@code namespace} and selectors
   */
  public ResourceWatcher(
      PlatformClient client,
      ObjectNode target,
      Listener listener,
      Duration retryMin,
      Duration retryMax) {
    this.client = client;
    this.target = target.deepCopy();
    this.listener = listener;
    this.backoff = new Backoff(retryMin, retryMax);
  }

  public synchronized ResourceWatcher start() {
    if (loop == null) {
      loop = Thread.ofPlatform().daemon().name("resource-watcher").start(this::run);
    }
    return this;
  }

  /** How many times the whole collection was listed (1 for the start). */
  public long resyncs() {
    return resyncs.get();
  }

  /** How many times a cut watch was opened again from where it stood. */
  public long reopens() {
    return reopens.get();
  }

  /** What last cut the watch or failed to re-open it, for people watching the watcher. */
  public String lastProblem() {
    return lastProblem;
  }

  /** The resourceVersion the view stands at. */
  public String resourceVersion() {
    return resourceVersion;
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    PlatformStream stream = current;
    if (stream != null) {
      stream.close();
    }
    Thread thread;
    synchronized (this) {
      thread = loop;
    }
    if (thread != null) {
      thread.interrupt();
      thread.join(Duration.ofSeconds(10));
    }
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      try {
        if (resourceVersion == null) {
          relist();
        }
        if (watchUntilItEnds()) {
          // ended by the API server (its timeout) or a 410 ERROR event: no failure
          failures = 0;
        }
      } catch (InterruptedException e) {
        return;
      } catch (StreamLines.StreamFailedException e) {
        lastProblem = e.getMessage();
        if (isGone(e)) {
          resourceVersion = null;
          continue;
        }
        if (e.code() == null && !checkPath()) {
          lastProblem += "; the NATS connection delivered nothing, forced a reconnect";
        }
        failures = pause(failures);
      } catch (RuntimeException e) {
        // no agent subscribed (it restarts), a gap after an outage, NATS reconnecting...
        lastProblem = e.getClass().getSimpleName() + ": " + e.getMessage();
        failures = pause(failures);
      }
      if (!closed && resourceVersion != null) {
        reopens.incrementAndGet();
      }
    }
  }

  private void relist() throws InterruptedException {
    ResourceList list = client.list(target, WATCH_DEADLINE, IDLE);
    listener.resync(list.items(), list.resourceVersion());
    resourceVersion = list.resourceVersion();
    resyncs.incrementAndGet();
  }

  /** Returns true when the watch ended as the protocol ends a watch, false on a cut. */
  private boolean watchUntilItEnds() throws InterruptedException {
    ObjectNode payload = target.deepCopy().put("resourceVersion", resourceVersion);
    try (PlatformStream stream =
        client.openStream("resources.watch", payload, WATCH_CREDIT, WATCH_DEADLINE)) {
      current = stream;
      StreamLines lines = new StreamLines(stream, IDLE);
      for (JsonNode event = lines.next(); event != null; event = lines.next()) {
        String type = event.path("type").asString("");
        JsonNode object = event.path("object");
        switch (type) {
          case "BOOKMARK" -> resourceVersion = versionOf(object);
          case "ERROR" -> {
            lastProblem = "ERROR event: " + object.path("message").asString("");
            if (object.path("code").asInt() == 410) {
              resourceVersion = null;
            }
            return true;
          }
          default -> {
            listener.event(type, object);
            resourceVersion = versionOf(object);
          }
        }
        if (closed) {
          return true;
        }
      }
      return true;
    } finally {
      current = null;
    }
  }

  private static String versionOf(JsonNode object) {
    return object.path("metadata").path("resourceVersion").asString("");
  }

  /** After a silent stream: is it the agent, or our own connection that stopped delivering? */
  private boolean checkPath() {
    try {
      return client.checkPath(PATH_CHECK);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
      return true;
    }
  }

  /** The agent's answer to a watch from a resourceVersion the API server no longer keeps. */
  private static boolean isGone(StreamLines.StreamFailedException e) {
    return "BAD_REQUEST".equals(e.code())
        && e.getMessage() != null
        && e.getMessage().startsWith("resourceVersion too old");
  }

  /** Waits the protocol's backoff between failed attempts; returns the new failure count. */
  private int pause(int failures) {
    try {
      backoff.sleep(failures + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
    return failures + 1;
  }
}
