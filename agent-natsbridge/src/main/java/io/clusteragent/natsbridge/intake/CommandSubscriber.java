package io.clusteragent.natsbridge.intake;

import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.core.lifecycle.CommandIntake;
import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.Subjects;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.natsbridge.stream.OutboundStream;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Takes commands off NATS: checks them, hands them to the dispatcher, and sends replies or stream
 * frames. Also serves the control subject (credit, cancel, sync) for the streams this replica owns.
 * Bad input never throws out of here: it gets an error reply, a metric, and the next message.
 */
public final class CommandSubscriber implements CommandIntake, NatsSession.Listener {

  private static final Logger log = LoggerFactory.getLogger(CommandSubscriber.class);

  private final Connection connection;
  private final Subjects subjects;
  private final NatsSettings settings;
  private final String instanceId;
  private final CommandDispatcher dispatcher;
  private final EnvelopeDecoder decoder;
  private final Replies replies;
  private final LiveStreams streams;
  private final JsonMapper json;
  private final MeterRegistry meters;
  private final Semaphore workers;
  /**
   * The platform loses its subscriptions in the same outage and needs a moment to restore them; an
   * error frame sent the instant we are back could reach nobody. So streams cut by the outage send
   * their error frame once the connection has been back for this long.
   */
  private static final Duration RECONNECT_SETTLE = Duration.ofSeconds(2);

  private final java.util.Queue<Runnable> afterReconnect = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile long reconnectedAtNanos;
  private Dispatcher commandDispatcher;
  private Dispatcher controlDispatcher;

  public CommandSubscriber(Connection connection, Subjects subjects, NatsSettings settings, String instanceId, int maxWorkers,
      CommandDispatcher dispatcher, EnvelopeDecoder decoder, Replies replies, LiveStreams streams, JsonMapper json, MeterRegistry meters) {
    this.connection = connection;
    this.subjects = subjects;
    this.settings = settings;
    this.instanceId = instanceId;
    this.dispatcher = dispatcher;
    this.decoder = decoder;
    this.replies = replies;
    this.streams = streams;
    this.json = json;
    this.meters = meters;
    this.workers = new Semaphore(maxWorkers);
  }

  public void start() {
    controlDispatcher = connection.createDispatcher(this::onControl);
    controlDispatcher.subscribe(subjects.control());
    commandDispatcher = connection.createDispatcher(this::onCommand);
    commandDispatcher.subscribe(subjects.commands(), subjects.queueGroup());
    log.info("taking commands on {} (queue group {})", subjects.commands(), subjects.queueGroup());
  }

  @Override
  public void stopIntake() {
    if (commandDispatcher != null) {
      commandDispatcher.unsubscribe(subjects.commands());
    }
  }

  /** Control keeps working during the drain so running streams can still get credit and cancels. */
  public void stopControl() {
    if (controlDispatcher != null && controlDispatcher.isActive()) {
      connection.closeDispatcher(controlDispatcher);
    }
  }

  void onCommand(Message msg) {
    String replyTo = msg.getReplyTo();
    byte[] body = msg.getData() == null ? new byte[0] : msg.getData();
    if (replyTo == null || settings.replyPrefixes().stream().noneMatch(replyTo::startsWith)) {
      reject(replyTo == null ? "command without a reply subject" : "reply subject outside the allowed space");
      return;
    }
    if (body.length > settings.maxCommandSize().toBytes()) {
      replies.error(replyTo, null, ErrorCode.PAYLOAD_TOO_LARGE, "command of " + body.length + " bytes exceeds the limit of " + settings.maxCommandSize().toBytes(), null);
      return;
    }
    EnvelopeDecoder.Decoded decoded = decoder.decode(body);
    if (decoded instanceof EnvelopeDecoder.Decoded.Invalid invalid) {
      replies.error(replyTo, invalid.id(), invalid.code(), invalid.message(), null);
      return;
    }
    EnvelopeDecoder.Decoded.Valid valid = (EnvelopeDecoder.Decoded.Valid) decoded;
    if (!workers.tryAcquire()) {
      replies.error(replyTo, valid.request().id(), ErrorCode.BUSY, "all NATS workers are busy; retry later", 1000L);
      return;
    }
    meters.counter("agent.commands.received", "streaming", Boolean.toString(dispatcher.isStreaming(valid.request().type()))).increment();
    try {
      if (dispatcher.isStreaming(valid.request().type())) {
        startStream(replyTo, valid);
      } else {
        dispatcher.dispatch(valid.request(), StreamSink.NONE).whenComplete((result, error) -> {
          try {
            replies.send(replyTo, valid.request().id(), result);
          } catch (RuntimeException e) {
            log.warn("could not reply to command {}: {}", valid.request().id(), e.toString());
          } finally {
            workers.release();
          }
        });
      }
    } catch (RuntimeException e) {
      workers.release();
      log.warn("command {} could not start: {}", valid.request().id(), e.toString());
      replies.error(replyTo, valid.request().id(), ErrorCode.INTERNAL, "command could not start", null);
    }
  }

  private void startStream(String replyTo, EnvelopeDecoder.Decoded.Valid valid) {
    String id = valid.request().id();
    int frameBytes = (int) Math.min(settings.frameSize().toBytes(), connection.getMaxPayload() - 1024);
    OutboundStream stream = new OutboundStream(id, replyTo, instanceId, connection::publish, valid.credit(), frameBytes, settings.streamStallTimeout());
    if (streams.get(id) != null) {
      workers.release();
      replies.error(replyTo, id, ErrorCode.BAD_REQUEST, "a stream with id " + id + " is already open", null);
      return;
    }
    streams.add(stream);
    // A stream's permit covers its start only: long streams are bounded by the proxy-stream bulkhead.
    workers.release();
    dispatcher.dispatch(valid.request(), stream).whenComplete((result, error) -> {
      try {
        switch (result) {
          case CommandResult.Ok ok -> stream.end(ok.body() == null ? null : json.writeValueAsBytes(ok.body()));
          case CommandResult.Raw raw -> stream.end(raw.body());
          case CommandResult.Failure f when stream.closeCode() == ErrorCode.UPSTREAM_UNAVAILABLE ->
              afterReconnect.add(() -> stream.fail(replies.errorBytes(id, ErrorCode.UPSTREAM_UNAVAILABLE, stream.closeReason(), null)));
          case CommandResult.Failure f when stream.closeCode() != null -> stream.fail(replies.errorBytes(id, stream.closeCode(), stream.closeReason(), null));
          case CommandResult.Failure f -> stream.fail(replies.errorBytes(id, f.code(), f.message(), null));
          case CommandResult.Busy b -> stream.fail(replies.errorBytes(id, ErrorCode.BUSY, b.jobClass().metricName() + " jobs are at capacity; retry later", b.retryAfter().toMillis()));
        }
      } catch (RuntimeException e) {
        log.warn("could not close stream {}: {}", id, e.toString());
      } finally {
        streams.remove(id);
      }
    });
  }

  void onControl(Message msg) {
    Control control;
    try {
      control = json.readValue(msg.getData(), Control.class);
    } catch (JacksonException | IllegalArgumentException e) {
      meters.counter("agent.control.errors", "reason", "malformed").increment();
      return;
    }
    String op = control.op() == null ? "" : control.op().toLowerCase(Locale.ROOT);
    switch (op) {
      case "credit" -> {
        OutboundStream stream = control.stream() == null ? null : streams.get(control.stream());
        if (stream != null && control.grant() != null) {
          stream.grant(control.grant());
        }
      }
      case "cancel" -> {
        if (control.stream() != null) {
          String reason = control.reason() == null ? "cancelled by the platform" : control.reason();
          OutboundStream stream = streams.get(control.stream());
          if (stream != null) {
            stream.close(ErrorCode.CANCELLED, reason);
          }
          dispatcher.cancel(control.stream(), reason);
        }
      }
      case "sync" -> {
        List<String> stale = streams.staleAfterSync(new HashSet<>(control.live() == null ? List.of() : control.live()), settings.streamSyncInterval());
        for (String id : stale) {
          meters.counter("agent.streams.reaped").increment();
          OutboundStream stream = streams.get(id);
          if (stream != null) {
            stream.close(ErrorCode.CANCELLED, "platform no longer reads this stream");
          }
          dispatcher.cancel(id, "platform no longer reads this stream");
        }
      }
      default -> meters.counter("agent.control.errors", "reason", "unknown-op").increment();
    }
  }

  /** Publishes this replica's live stream ids and heartbeats on idle streams. Called periodically. */
  public void publishStreamSync() {
    connection.publish(subjects.streams(), json.writeValueAsBytes(new StreamSync(instanceId, streams.ids())));
  }

  /** Called every second: heartbeats on idle streams, and the error frames held back by a reconnect. */
  public void heartbeatIdleStreams() {
    streams.forEach(s -> s.heartbeatIfIdle(settings.streamHeartbeat()));
    long reconnected = reconnectedAtNanos;
    if (!afterReconnect.isEmpty() && connection.getStatus() == Connection.Status.CONNECTED && reconnected != 0
        && System.nanoTime() - reconnected >= RECONNECT_SETTLE.toNanos()) {
      Runnable send;
      while ((send = afterReconnect.poll()) != null) {
        send.run();
      }
    }
  }

  @Override
  public void disconnected() {
    // Frames may have been lost with the connection; the platform must not read a stream with a
    // hole as complete. Each open stream ends with an explicit error the platform can act on.
    streams.forEach(s -> {
      s.close(ErrorCode.UPSTREAM_UNAVAILABLE, "NATS connection lost; restart the stream");
      dispatcher.cancel(s.id(), "NATS connection lost");
    });
  }

  @Override
  public void reconnected() {
    reconnectedAtNanos = System.nanoTime();
  }

  private void reject(String why) {
    meters.counter("agent.commands.errors", "code", "bad_reply_subject").increment();
    connection.publish(subjects.rejected(), replies.errorBytes(null, ErrorCode.BAD_REQUEST, why, null));
  }

  record StreamSync(String instance, List<String> streams) {}
}
