package io.clusteragent.natsbridge;

import io.clusteragent.core.lifecycle.CommandIntake;
import io.clusteragent.natsbridge.checkin.Heartbeats;
import io.clusteragent.natsbridge.checkin.PlatformCheckIn;
import io.clusteragent.natsbridge.connection.NatsAuth;
import io.clusteragent.natsbridge.connection.NatsEndpoint;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.control.ControlChannel;
import io.clusteragent.natsbridge.intake.CommandSubscription;
import io.clusteragent.natsbridge.stream.InputChannel;
import io.clusteragent.natsbridge.trust.TrustedKeys;
import io.clusteragent.protocol.Backoff;
import io.clusteragent.protocol.Redaction;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Brings the bridge up in the background, so the web server and probes start at once: find the NATS
 * endpoint (direct settings, or check-in with the platform), connect, then serve control, stream
 * input and commands. A failed attempt (a bad cluster id or credentials from check-in, an
 * unreadable seed or CA file) is shown on /readyz and retried with backoff, re-running check-in so
 * rotated NATS credentials are picked up. Stops after the shutdown sequence has drained the
 * commands, because running streams still need the connection until then.
 */
public final class NatsBridge implements SmartLifecycle, CommandIntake {

  private static final Logger log = LoggerFactory.getLogger(NatsBridge.class);

  private final NatsSettings settings;
  private final PlatformCheckIn checkIn;
  private final Heartbeats heartbeats;
  private final NatsSession session;
  private final ControlChannel control;
  private final InputChannel input;
  private final CommandSubscription commands;
  private final TrustedKeys keys;
  private final Backoff retry;
  private final MeterRegistry meters;
  private volatile Thread starter;
  private volatile boolean running;
  private volatile boolean stopping;

  public NatsBridge(
      NatsSettings settings,
      PlatformCheckIn checkIn,
      Heartbeats heartbeats,
      NatsSession session,
      ControlChannel control,
      InputChannel input,
      CommandSubscription commands,
      TrustedKeys keys,
      MeterRegistry meters) {
    this.settings = settings;
    this.checkIn = checkIn;
    this.heartbeats = heartbeats;
    this.session = session;
    this.control = control;
    this.input = input;
    this.commands = commands;
    this.keys = keys;
    this.meters = meters;
    this.retry = new Backoff(settings.checkinMinBackoff(), settings.checkinMaxBackoff());
  }

  @Override
  public void start() {
    running = true;
    starter = Thread.ofVirtual().name("nats-bridge-start").start(this::bringUp);
  }

  private void bringUp() {
    String lastProblem = null;
    for (int attempt = 1; !stopping; attempt++) {
      try {
        NatsEndpoint endpoint =
            settings.direct()
                ? new NatsEndpoint(
                    settings.servers(),
                    requireClusterId(),
                    settings.subjectPrefix(),
                    NatsAuth.from(settings),
                    List.of())
                : checkIn.checkIn(heartbeats.report());
        keys.offeredAtCheckIn(endpoint.signingKeys());
        log.info("connecting to {}", endpoint);
        session.connect(endpoint);
        control.start();
        input.start();
        commands.start();
        if (lastProblem != null) {
          log.info("NATS bridge started after {} attempt(s)", attempt);
        }
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException | RuntimeException e) {
        if (stopping) {
          return; // shut down while still connecting: nothing went wrong
        }
        meters.counter("agent.nats.start.failures").increment();
        String problem = Redaction.urls("NATS bridge cannot start: " + e.getMessage());
        session.reportProblem(problem + "; retrying");
        if (!Objects.equals(problem, lastProblem)) {
          log.warn("{}; retrying with backoff (logged once until the cause changes)", problem);
          lastProblem = problem;
        }
        closeQuietly();
      }
      try {
        retry.sleep(attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void closeQuietly() {
    try {
      session.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String requireClusterId() {
    if (settings.clusterId() == null || settings.clusterId().isBlank()) {
      throw new IllegalStateException(
          "agent.nats.cluster-id (env AGENT_NATS_CLUSTER_ID) is required when agent.nats.servers is set");
    }
    return settings.clusterId();
  }

  /** True once commands are being taken (connected and subscribed). */
  public boolean serving() {
    return commands.isSubscribed() && session.isConnected();
  }

  @Override
  public void stopIntake() {
    stopping = true;
    commands.stopIntake();
    Thread t = starter;
    if (t != null) {
      t.interrupt(); // still waiting for check-in or the first connect: give up
    }
  }

  @Override
  public void stop() {
    stopping = true;
    control.stop();
    closeQuietly();
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
