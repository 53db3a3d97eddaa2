package io.clusteragent.core.lifecycle;

import io.clusteragent.core.command.CommandDispatcher;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * The order of a graceful stop: readiness goes down, intake stops, running jobs get the grace
 * period, then the rest of the context (NATS connection, web server) closes. Runs in the first
 * shutdown phase, before the web server stops, so probes still answer while jobs drain.
 */
public final class ShutdownSequence implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ShutdownSequence.class);

  private final ApplicationEventPublisher events;
  private final List<CommandIntake> intakes;
  private final CommandDispatcher dispatcher;
  private final Duration grace;
  private volatile boolean running;

  public ShutdownSequence(
      ApplicationEventPublisher events,
      List<CommandIntake> intakes,
      CommandDispatcher dispatcher,
      Duration grace) {
    this.events = events;
    this.intakes = intakes;
    this.dispatcher = dispatcher;
    this.grace = grace;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    log.info(
        "shutting down: readiness off, intake stopped, waiting up to {}s for {} running command(s)",
        grace.toSeconds(),
        dispatcher.runningCount());
    AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
    intakes.forEach(CommandIntake::stopIntake);
    boolean finished = dispatcher.drain(grace);
    log.info(
        finished
            ? "all commands finished"
            : "grace period over; remaining commands were cancelled");
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    // Stops before everything else (web server graceful shutdown sits at DEFAULT_PHASE - 1024).
    return Integer.MAX_VALUE - 10;
  }
}
