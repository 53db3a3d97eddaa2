package io.clusteragent.natsbridge;

import io.clusteragent.core.background.PeriodicTasks;
import io.clusteragent.natsbridge.checkin.Heartbeats;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.control.ControlChannel;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.natsbridge.stream.OutageHold;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * The bridge's periodic work, in one list: heartbeats, the path probe, stream sync, idle-stream
 * heartbeats with the frames an outage held back, and the public-IP refresh. Each task does nothing
 * until the bridge is connected; failures go to the shared failure log.
 */
public final class BridgeSchedule implements SmartLifecycle {

  private static final Duration STREAM_TICK = Duration.ofSeconds(1);

  private final PeriodicTasks tasks;
  private final NatsSettings settings;
  private final Heartbeats heartbeats;
  private final NatsSession session;
  private final ControlChannel control;
  private final LiveStreams streams;
  private final OutageHold outages;
  private final PublicIpLookup publicIp;
  private volatile boolean running;

  public BridgeSchedule(
      PeriodicTasks tasks,
      NatsSettings settings,
      Heartbeats heartbeats,
      NatsSession session,
      ControlChannel control,
      LiveStreams streams,
      OutageHold outages,
      PublicIpLookup publicIp) {
    this.tasks = tasks;
    this.settings = settings;
    this.heartbeats = heartbeats;
    this.session = session;
    this.control = control;
    this.streams = streams;
    this.outages = outages;
    this.publicIp = publicIp;
  }

  @Override
  public void start() {
    if (running) {
      return;
    }
    running = true;
    if (publicIp.enabled()) {
      tasks.every("public IP lookup", publicIp.refreshInterval(), Duration.ZERO, publicIp::refresh);
    }
    tasks.every("NATS heartbeat", settings.heartbeatInterval(), Duration.ZERO, heartbeats::publish);
    tasks.every(
        "NATS path probe", settings.pingInterval(), settings.pingInterval(), session::probePath);
    tasks.every(
        "stream sync",
        settings.streamSyncInterval(),
        settings.streamSyncInterval(),
        control::publishStreamSync);
    tasks.every(
        "stream heartbeats",
        STREAM_TICK,
        STREAM_TICK,
        () -> {
          streams.forEach(s -> s.heartbeatIfIdle(settings.streamHeartbeat()));
          outages.releaseIfSettled();
        });
  }

  @Override
  public void stop() {
    // The tasks stop with PeriodicTasks when the context closes; nothing to undo here.
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
