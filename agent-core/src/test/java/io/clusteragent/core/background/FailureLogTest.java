package io.clusteragent.core.background;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class FailureLogTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final FailureLog failures = new FailureLog(meters);

  @Test
  void eachDistinctCauseIsOneWarningAndEveryFailureIsCounted(CapturedOutput output) {
    failures.failed("heartbeat", new IllegalStateException("no connection"));
    failures.failed("heartbeat", new IllegalStateException("no connection"));
    failures.failed("heartbeat", new IllegalStateException("no connection"));
    failures.failed("heartbeat", new IOException("broken pipe"));
    assertThat(meters.counter("agent.background.failures", "task", "heartbeat").count())
        .isEqualTo(4);
    assertThat(output.getAll().split("heartbeat failed: IllegalStateException: no connection", -1))
        .hasSize(2);
    assertThat(output.getAll())
        .contains("WARN")
        .contains("heartbeat failed: IOException: broken pipe");
  }

  @Test
  void aRecoveryIsLoggedOnceAndTheSameCauseWarnsAgainAfterIt(CapturedOutput output) {
    failures.failed("ping", new IllegalStateException("timeout"));
    failures.succeeded("ping");
    failures.succeeded("ping");
    failures.failed("ping", new IllegalStateException("timeout"));
    assertThat(output.getAll().split("ping works again", -1)).hasSize(2);
    assertThat(output.getAll().split("ping failed: IllegalStateException: timeout", -1)).hasSize(3);
  }

  @Test
  void periodicTasksKeepRunningAfterAFailureAndReportIt() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    try (PeriodicTasks tasks = new PeriodicTasks(failures)) {
      tasks.every(
          "flaky",
          Duration.ofMillis(20),
          Duration.ZERO,
          () -> {
            if (runs.incrementAndGet() % 2 == 1) {
              throw new IllegalStateException("odd run");
            }
          });
      long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (runs.get() < 6 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
    }
    assertThat(runs.get()).isGreaterThanOrEqualTo(6);
    assertThat(meters.counter("agent.background.failures", "task", "flaky").count())
        .isGreaterThanOrEqualTo(3);
  }
}
