package io.clusteragent.cli;

import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Headers;
import io.clusteragent.protocol.Heartbeat;
import io.clusteragent.protocol.MessageSigner;
import io.clusteragent.protocol.SignedContent;
import io.clusteragent.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Acts as the platform towards one cluster's agents over NATS (docs/protocol.md, version 1): unary
 * commands, streams with credit, cancel, sync, and listening to heartbeats.
 *
 * <p>Thread-safe. A client built on a {@link Connection} leaves it open on {@link #close()}; one
 * built by {@link #connect} owns and closes its connection.
 */
public final class PlatformClient implements AutoCloseable {

  public static final String DEFAULT_PREFIX = "agent";

  /** What the agent assumes when an envelope has no {@code credit}. */
  public static final int DEFAULT_CREDIT = 8;

  /** Lists run at full speed: 32 frames of at most 32 KiB in flight is 1 MiB per list. */
  static final int LIST_CREDIT = 32;

  /**
   * Extra wait after the envelope's deadline, so the agent's own DEADLINE_EXCEEDED answer arrives
   * instead of a local timeout that would hide whether the agent noticed.
   */
  static final Duration REPLY_GRACE = Duration.ofMillis(500);

  private final Connection connection;
  private final Subjects subjects;
  private final boolean ownsConnection;
  private final Clock clock;
  private final Supplier<String> ids;
  private final MessageSigner signer;

  /**
   * A client on a connection the caller owns, signing what it sends with {@code signer}, the
   * platform's key. A null signer sends unsigned messages, which agents refuse: for tests of that.
   */
  public PlatformClient(
      Connection connection, String prefix, String clusterId, MessageSigner signer) {
    this(
        Objects.requireNonNull(connection, "connection"),
        new Subjects(prefix, clusterId),
        false,
        Clock.systemUTC(),
        PlatformClient::newCommandId,
        signer);
  }

  PlatformClient(
      Connection connection,
      Subjects subjects,
      boolean ownsConnection,
      Clock clock,
      Supplier<String> ids,
      MessageSigner signer) {
    this.connection = connection;
    this.subjects = subjects;
    this.ownsConnection = ownsConnection;
    this.clock = clock;
    this.ids = ids;
    this.signer = signer;
  }

  /**
   * A fresh command id: short, unique, and within the protocol's {@code [A-Za-z0-9._:-]{1,128}}.
   */
  static String newCommandId() {
    return "p-" + UUID.randomUUID();
  }

  /** Connects to NATS; the client closes the connection when it is closed. */
  public static PlatformClient connect(
      NatsConnectionSettings settings, String prefix, String clusterId, MessageSigner signer)
      throws IOException, InterruptedException {
    Subjects subjects = new Subjects(prefix, clusterId);
    return new PlatformClient(
        settings.connect(),
        subjects,
        true,
        Clock.systemUTC(),
        PlatformClient::newCommandId,
        signer);
  }

  public Connection connection() {
    return connection;
  }

  public Subjects subjects() {
    return subjects;
  }

  /**
   * A version-1 envelope with a fresh id and {@code deadline = now + timeout}. {@code payload} and
   * {@code credit} may be null (left out of the JSON).
   */
  public Envelope envelope(String type, JsonNode payload, Duration timeout, Integer credit) {
    Objects.requireNonNull(type, "type");
    return new Envelope(
        Envelope.VERSION,
        ids.get(),
        type,
        clock.millis() + timeout.toMillis(),
        null,
        payload,
        credit);
  }

  /** Sends a unary command and waits up to {@code timeout} (plus a short grace) for the answer. */
  public Reply request(String type, JsonNode payload, Duration timeout)
      throws InterruptedException {
    return request(envelope(type, payload, timeout, null), timeout.plus(REPLY_GRACE));
  }

  /**
   * Sends an envelope exactly as given (actor, odd versions, past deadlines…) and waits for the
   * answer.
   */
  public Reply request(Envelope envelope, Duration timeout) throws InterruptedException {
    return requestRaw(WireJson.MAPPER.writeValueAsBytes(envelope), timeout);
  }

  /**
   * Sends arbitrary bytes as a command (malformed JSON, oversized bodies…) and waits for the
   * answer.
   *
   * @throws NoReplyException when no agent is subscribed or nothing arrives within {@code timeout}
   */
  public Reply requestRaw(byte[] body, Duration timeout) throws InterruptedException {
    Subscription inbox = connection.subscribe(connection.createInbox());
    try {
      // Subscribing and publishing on one connection keep their order at the server, so the reply
      // cannot overtake the subscription.
      publishCommand(inbox.getSubject(), body);
      Message message = inbox.nextMessage(timeout);
      if (message == null) {
        throw new NoReplyException(
            NoReplyException.Reason.TIMEOUT,
            "no reply on " + subjects.commands() + " within " + timeout.toMillis() + " ms");
      }
      if (message.isStatusMessage() && message.getStatus().getCode() == 503) {
        throw new NoReplyException(
            NoReplyException.Reason.NO_RESPONDERS,
            "no agent is subscribed to " + subjects.commands());
      }
      return Reply.from(message);
    } finally {
      inbox.unsubscribe();
    }
  }

  /**
   * Starts a streaming command: listens on a fresh inbox, then publishes the envelope with that
   * reply subject. The stream starts in auto-credit mode.
   *
   * @param initialCredit the envelope's {@code credit}, passed as given (the agent accepts 1–256)
   * @param deadline how long the agent may run the stream
   */
  public PlatformStream openStream(
      String type, JsonNode payload, int initialCredit, Duration deadline) {
    return openStream(envelope(type, payload, deadline, initialCredit));
  }

  /** Starts a streaming command from an envelope exactly as given. */
  public PlatformStream openStream(Envelope envelope) {
    Subscription inbox = connection.subscribe(connection.createInbox());
    int initialCredit = envelope.credit() == null ? DEFAULT_CREDIT : Math.max(0, envelope.credit());
    PlatformStream stream = new PlatformStream(this, envelope.id(), inbox, initialCredit);
    publishCommand(inbox.getSubject(), WireJson.MAPPER.writeValueAsBytes(envelope));
    return stream;
  }

  /**
   * Runs {@code resources.list} to its end and gathers what it streamed; {@code idle} bounds the
   * wait for each frame.
   *
   * @throws StreamLines.StreamFailedException when the agent ended the list with an error
   */
  public ResourceList list(JsonNode payload, Duration deadline, Duration idle)
      throws InterruptedException {
    try (PlatformStream stream = openStream("resources.list", payload, LIST_CREDIT, deadline)) {
      StreamLines lines = new StreamLines(stream, idle);
      JsonNode head = lines.next();
      List<JsonNode> items = new ArrayList<>();
      for (JsonNode item = head == null ? null : lines.next(); item != null; item = lines.next()) {
        items.add(item);
      }
      return new ResourceList(
          head == null ? WireJson.MAPPER.createObjectNode() : head, items, lines.summary());
    }
  }

  /**
   * Checks that this connection still carries messages through the server, by sending one to
   * itself, and forces a reconnect when it does not. A jnats (2.25.1) connection that lived through
   * a fast server restart can stop delivering what it publishes while every status says connected;
   * the agent guards against it the same way. Returns whether the path worked.
   */
  public boolean checkPath(Duration timeout) throws InterruptedException {
    Subscription echo = connection.subscribe(connection.createInbox());
    try {
      connection.publish(echo.getSubject(), new byte[0]);
      if (echo.nextMessage(timeout) != null) {
        return true;
      }
    } catch (IllegalStateException closed) {
      return false;
    } finally {
      if (echo.isActive()) {
        echo.unsubscribe();
      }
    }
    try {
      connection.forceReconnect();
    } catch (IOException e) {
      // jnats goes on reconnecting by itself
    }
    return false;
  }

  /** Tells the agents which stream ids the platform still reads; they close the others. */
  public void sync(List<String> liveIds) {
    publishControl(Control.sync(List.copyOf(liveIds), clock.millis()));
  }

  /** Heartbeats of every cluster under this client's prefix heard within {@code listen}. */
  public List<Heartbeat> agents(Duration listen) throws InterruptedException {
    return agents(connection, subjects.prefix(), listen);
  }

  /**
   * Listens on {@code <prefix>.*.heartbeat} for {@code listen} and returns the latest heartbeat of
   * each (cluster, instance), sorted. Unreadable heartbeats are skipped. Listen at least one agent
   * heartbeat interval (30 s by default) to hear every running agent.
   */
  public static List<Heartbeat> agents(Connection connection, String prefix, Duration listen)
      throws InterruptedException {
    Subscription heartbeats = connection.subscribe(Subjects.allHeartbeats(prefix));
    Map<String, Heartbeat> latest = new LinkedHashMap<>();
    try {
      long until = System.nanoTime() + listen.toNanos();
      for (long left = listen.toNanos(); left > 0; left = until - System.nanoTime()) {
        Message message = heartbeats.nextMessage(Duration.ofNanos(left));
        if (message == null) {
          break;
        }
        Heartbeat heartbeat = readHeartbeat(message, prefix);
        if (heartbeat != null) {
          latest.put(heartbeat.clusterId() + "\n" + heartbeat.instance(), heartbeat);
        }
      }
    } finally {
      heartbeats.unsubscribe();
    }
    List<Heartbeat> agents = new ArrayList<>(latest.values());
    agents.sort(
        Comparator.comparing(Heartbeat::clusterId)
            .thenComparing(h -> String.valueOf(h.instance())));
    return agents;
  }

  /** Closes the connection if this client opened it. Open streams end with it. */
  @Override
  public void close() throws InterruptedException {
    if (ownsConnection) {
      connection.close();
    }
  }

  /** Publishes a control message, signed. */
  public void publishControl(Control control) {
    byte[] body = WireJson.MAPPER.writeValueAsBytes(control);
    connection.publish(
        subjects.control(), signed(SignedContent.control(subjects.control(), body)), body);
  }

  /**
   * Publishes one input frame of a stream to the replica that owns it, signed with its stream
   * headers, exactly as given: {@link PlatformStream#write} numbers frames itself; this is for
   * tests of the agent's checks.
   */
  public void publishInput(String instance, String stream, FrameKind kind, long seq, byte[] body) {
    String subject = subjects.input(instance);
    String sequence = Long.toString(seq);
    io.nats.client.impl.Headers headers =
        signed(SignedContent.input(subject, stream, kind.wire(), sequence, body))
            .put(Headers.STREAM, stream)
            .put(Headers.FRAME, kind.wire())
            .put(Headers.SEQ, sequence);
    connection.publish(subject, headers, body);
  }

  /** The platform's clock in epoch ms, for control messages' {@code at}. */
  long now() {
    return clock.millis();
  }

  private void publishCommand(String replyTo, byte[] body) {
    connection.publish(
        subjects.commands(),
        replyTo,
        signed(SignedContent.command(subjects.commands(), replyTo, body)),
        body);
  }

  private io.nats.client.impl.Headers signed(SignedContent content) {
    io.nats.client.impl.Headers headers = new io.nats.client.impl.Headers();
    if (signer != null) {
      headers.put(Headers.SIGNATURE, signer.sign(content));
    }
    return headers;
  }

  /**
   * The cluster id comes from the subject when the body lacks it, so discovery never sees a null
   * cluster.
   */
  static Heartbeat readHeartbeat(Message message, String prefix) {
    Heartbeat heartbeat;
    try {
      heartbeat = WireJson.MAPPER.readValue(message.getData(), Heartbeat.class);
    } catch (RuntimeException unreadable) {
      return null;
    }
    if (heartbeat == null) {
      return null;
    }
    if (heartbeat.clusterId() == null || heartbeat.clusterId().isBlank()) {
      String cluster = clusterOfHeartbeatSubject(message.getSubject(), prefix);
      if (cluster == null) {
        return null;
      }
      heartbeat =
          new Heartbeat(
              cluster,
              heartbeat.instance(),
              heartbeat.agentVersion(),
              heartbeat.kubernetesVersion(),
              heartbeat.nodeCount(),
              heartbeat.publicIp(),
              heartbeat.sentAt());
    }
    return heartbeat;
  }

  /** {@code <prefix>.<cluster>.heartbeat} → cluster, or null for any other subject. */
  static String clusterOfHeartbeatSubject(String subject, String prefix) {
    String head = prefix + ".";
    String tail = ".heartbeat";
    if (!subject.startsWith(head)
        || !subject.endsWith(tail)
        || subject.length() <= head.length() + tail.length()) {
      return null;
    }
    return subject.substring(head.length(), subject.length() - tail.length());
  }
}
