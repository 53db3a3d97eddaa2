package io.clusteragent.core.background;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures of work nobody waits for (periodic tasks, cluster-facts lookups). Each failure is
 * counted ({@code agent.background.failures{task}}); it is logged at WARN when its cause differs
 * from the task's previous one, so a cause that repeats every few seconds is one line, not a flood,
 * and a recovery is logged once too.
 */
public final class FailureLog {

  private static final Logger log = LoggerFactory.getLogger(FailureLog.class);

  private final MeterRegistry meters;
  private final Map<String, String> lastCause = new ConcurrentHashMap<>();

  public FailureLog(MeterRegistry meters) {
    this.meters = meters;
  }

  /**
   * Records a failure of {@code task}. Only the exception's type and message are logged: no stack
   * of a known cause.
   */
  public void failed(String task, Throwable failure) {
    meters.counter("agent.background.failures", "task", task).increment();
    String cause = describe(failure);
    String previous = lastCause.put(task, cause);
    if (!Objects.equals(previous, cause)) {
      log.warn(
          "{} failed: {} (logged once until the cause changes; counted in agent.background.failures)",
          task,
          cause);
    }
  }

  /** Records a success; logs the recovery when the task had been failing. */
  public void succeeded(String task) {
    if (lastCause.remove(task) != null) {
      log.info("{} works again", task);
    }
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    String first = message == null ? "" : message.lines().findFirst().orElse("");
    return failure.getClass().getSimpleName()
        + (first.isBlank()
            ? ""
            : ": " + (first.length() > 200 ? first.substring(0, 200) + "..." : first));
  }
}
