package io.clusteragent.core.background;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs named tasks on a fixed delay, each run on a virtual thread so a slow one (a network call)
 * never delays the timer. A failing run goes to the {@link FailureLog}; the schedule goes on.
 */
public final class PeriodicTasks implements AutoCloseable {

  private final FailureLog failures;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("periodic-tasks").factory());

  public PeriodicTasks(FailureLog failures) {
    this.failures = failures;
  }

  /** Runs {@code task} every {@code interval}, the first time after {@code initialDelay}. */
  public void every(String name, Duration interval, Duration initialDelay, Runnable task) {
    timer.scheduleWithFixedDelay(
        () -> Thread.ofVirtual().name(name).start(() -> runOnce(name, task)),
        initialDelay.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void runOnce(String name, Runnable task) {
    try {
      task.run();
      failures.succeeded(name);
    } catch (RuntimeException e) {
      failures.failed(name, e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
