package io.clusteragent.natsbridge;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.lifecycle.CommandIntake;
import io.clusteragent.protocol.Heartbeat;
import io.clusteragent.protocol.Subjects;
import io.clusteragent.core.settings.AgentProperties;
import io.clusteragent.natsbridge.checkin.PlatformCheckIn;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import io.clusteragent.natsbridge.connection.NatsAuth;
import io.clusteragent.natsbridge.connection.NatsEndpoint;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.intake.CommandSubscriber;
import io.clusteragent.natsbridge.intake.EnvelopeDecoder;
import io.clusteragent.natsbridge.intake.Replies;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * Brings the bridge up in the background (so the web server and probes start at once): find the
 * NATS endpoint, connect, subscribe, then run the periodic tasks. Stops after the shutdown sequence
 * has drained the commands, because running streams still need the connection until then.
 */
public final class NatsBridge implements SmartLifecycle, CommandIntake {

  private static final Logger log = LoggerFactory.getLogger(NatsBridge.class);

  private final AgentProperties agent;
  private final NatsSettings settings;
  private final AgentIdentity identity;
  private final NatsSession session;
  private final PlatformCheckIn checkIn;
  private final PublicIpLookup publicIp;
  private final ClusterFacts facts;
  private final CommandDispatcher dispatcher;
  private final LiveStreams streams;
  private final JsonMapper json;
  private final MeterRegistry meters;
  private final Clock clock;
  private final ScheduledExecutorService timers =
      Executors.newScheduledThreadPool(1, Thread.ofPlatform().daemon().name("nats-bridge-timer").factory());
  private volatile Thread starter;
  private volatile CommandSubscriber subscriber;
  private volatile Subjects subjects;
  private volatile boolean running;
  private volatile boolean stopping;

  public NatsBridge(AgentProperties agent, NatsSettings settings, AgentIdentity identity, NatsSession session, PlatformCheckIn checkIn,
      PublicIpLookup publicIp, ClusterFacts facts, CommandDispatcher dispatcher, LiveStreams streams, JsonMapper json, MeterRegistry meters, Clock clock) {
    this.agent = agent;
    this.settings = settings;
    this.identity = identity;
    this.session = session;
    this.checkIn = checkIn;
    this.publicIp = publicIp;
    this.facts = facts;
    this.dispatcher = dispatcher;
    this.streams = streams;
    this.json = json;
    this.meters = meters;
    this.clock = clock;
  }

  @Override
  public void start() {
    running = true;
    if (publicIp.enabled()) {
      long refresh = publicIp.refreshInterval().toMillis();
      timers.scheduleWithFixedDelay(() -> Thread.ofVirtual().start(publicIp::refresh), 0, refresh, TimeUnit.MILLISECONDS);
    }
    starter = Thread.ofVirtual().name("nats-bridge-start").start(this::bringUp);
  }

  private void bringUp() {
    try {
      NatsEndpoint endpoint = settings.direct()
          ? new NatsEndpoint(settings.servers(), requireClusterId(), settings.subjectPrefix(), NatsAuth.from(settings))
          : checkIn.checkIn(report());
      log.info("connecting to {}", endpoint);
      Connection connection = session.connect(endpoint);
      subjects = new Subjects(endpoint.subjectPrefix(), endpoint.clusterId());
      CommandSubscriber sub = new CommandSubscriber(connection, subjects, settings, identity.instanceId(), agent.natsWorkerMaxWorkers(),
          dispatcher, new EnvelopeDecoder(json, clock), new Replies(connection, json, identity.instanceId(), meters), streams, json, meters);
      session.addListener(sub);
      sub.start();
      subscriber = sub;
      every(settings.heartbeatInterval(), this::publishHeartbeat, true);
      every(settings.pingInterval(), session::probePath, false);
      every(settings.streamSyncInterval(), sub::publishStreamSync, false);
      every(Duration.ofSeconds(1), sub::heartbeatIdleStreams, false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (stopping) {
        return; // shut down while still connecting: nothing went wrong
      }
      // Settings problems (bad creds path, bad cluster id) cannot heal by retrying; say so clearly.
      log.error("NATS bridge cannot start: {}", e.getMessage());
    }
  }

  private String requireClusterId() {
    if (settings.clusterId() == null || settings.clusterId().isBlank()) {
      throw new IllegalStateException("agent.nats.cluster-id (env AGENT_NATS_CLUSTER_ID) is required when agent.nats.servers is set");
    }
    return settings.clusterId();
  }

  private void every(Duration interval, Runnable task, boolean now) {
    timers.scheduleWithFixedDelay(() -> Thread.ofVirtual().start(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.debug("periodic task failed: {}", e.toString());
      }
    }), now ? 0 : interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private PlatformCheckIn.Report report() {
    ClusterFacts.Snapshot snapshot = facts.snapshot();
    return new PlatformCheckIn.Report(identity.instanceId(), identity.version(), snapshot.kubernetesVersion(), snapshot.nodeCount(), publicIp.current());
  }

  private void publishHeartbeat() {
    Connection connection = session.connection();
    if (connection == null || subjects == null) {
      return;
    }
    ClusterFacts.Snapshot snapshot = facts.snapshot();
    Heartbeat heartbeat = new Heartbeat(subjects.clusterId(), identity.instanceId(), identity.version(), snapshot.kubernetesVersion(),
        snapshot.nodeCount(), publicIp.current(), clock.millis());
    connection.publish(subjects.heartbeat(), json.writeValueAsBytes(heartbeat));
  }

  /** True once commands are being taken (connected and subscribed). */
  public boolean serving() {
    return subscriber != null && session.isConnected();
  }

  @Override
  public void stopIntake() {
    stopping = true;
    CommandSubscriber sub = subscriber;
    if (sub != null) {
      sub.stopIntake();
    }
    Thread t = starter;
    if (t != null) {
      t.interrupt(); // still waiting for check-in or the first connect: give up
    }
  }

  @Override
  public void stop() {
    stopping = true;
    timers.shutdownNow();
    CommandSubscriber sub = subscriber;
    if (sub != null) {
      sub.stopControl();
    }
    try {
      session.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    // After ShutdownSequence (MAX_VALUE - 10) has drained commands, before the web server stops.
    return Integer.MAX_VALUE - 100;
  }
}
