package io.clusteragent.natsbridge.control;

import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.stream.CommandStream;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.natsbridge.trust.MessageTrust;
import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.StreamSync;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The control subject every replica listens on (each message signed by the platform and fresh, see
 * {@link MessageTrust}): credit for a stream, cancel of a command or stream, and the platform's
 * list of the streams it still reads (sync), answered by reaping ours that it forgot. Also
 * publishes this replica's own list. Keeps working while commands drain at shutdown, so running
 * streams still get credit and cancels.
 */
public final class ControlChannel {

  private final NatsSession session;
  private final NatsSettings settings;
  private final String instanceId;
  private final LiveStreams streams;
  private final CommandDispatcher dispatcher;
  private final JsonMapper json;
  private final MessageTrust trust;
  private final MeterRegistry meters;
  private volatile Dispatcher subscription;

  public ControlChannel(
      NatsSession session,
      NatsSettings settings,
      String instanceId,
      LiveStreams streams,
      CommandDispatcher dispatcher,
      JsonMapper json,
      MessageTrust trust,
      MeterRegistry meters) {
    this.session = session;
    this.settings = settings;
    this.instanceId = instanceId;
    this.streams = streams;
    this.dispatcher = dispatcher;
    this.json = json;
    this.trust = trust;
    this.meters = meters;
  }

  public void start() {
    Dispatcher d = session.connection().createDispatcher(this::onControl);
    d.subscribe(session.subjects().control());
    subscription = d;
  }

  public void stop() {
    Dispatcher d = subscription;
    Connection connection = session.connection();
    if (d != null && d.isActive() && connection != null) {
      connection.closeDispatcher(d);
    }
  }

  void onControl(Message msg) {
    Control control;
    try {
      control = json.readValue(msg.getData(), Control.class);
    } catch (JacksonException | IllegalArgumentException e) {
      meters.counter("agent.control.errors", "reason", "malformed").increment();
      return;
    }
    if (control == null) {
      meters.counter("agent.control.errors", "reason", "malformed").increment();
      return;
    }
    if (!trust.control(msg, control)) {
      return; // unsigned, forged or stale: nobody but the platform may grant, cancel or reap
    }
    String op = control.op() == null ? "" : control.op().toLowerCase(Locale.ROOT);
    switch (op) {
      case "credit" -> {
        CommandStream stream = control.stream() == null ? null : streams.get(control.stream());
        if (stream != null && control.grant() != null) {
          stream.grant(control.grant());
        }
      }
      case "cancel" -> {
        if (control.stream() != null) {
          dispatcher.cancel(
              control.stream(),
              new CloseReason.Cancelled(
                  control.reason() == null ? "cancelled by the platform" : control.reason()));
        }
      }
      case "sync" -> {
        for (CommandStream stale :
            streams.staleAfterSync(
                new HashSet<>(control.live() == null ? List.of() : control.live()),
                settings.streamSyncInterval())) {
          if (stale.unfedReason() instanceof CloseReason.Reaped) {
            continue; // a write reaped by an earlier sync, still running: counted once
          }
          meters.counter("agent.streams.reaped").increment();
          stale.close(new CloseReason.Reaped());
        }
      }
      default -> meters.counter("agent.control.errors", "reason", "unknown-op").increment();
    }
  }

  /**
   * Publishes this replica's live stream ids so the platform can reap its side. Called
   * periodically.
   */
  public void publishStreamSync() {
    Connection connection = session.connection();
    if (connection != null && session.subjects() != null) {
      connection.publish(
          session.subjects().streams(),
          json.writeValueAsBytes(new StreamSync(instanceId, streams.ids())));
    }
  }
}
