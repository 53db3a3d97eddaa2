package io.clusteragent.core.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.ErrorCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

class CommandDispatcherTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch started = new CountDownLatch(2);
  private CommandDispatcher dispatcher;

  private final CommandHandler blockingRead =
      new CommandHandler() {
        public String type() {
          return "test.block";
        }

        public JobClass jobClass() {
          return JobClass.READ;
        }

        public CommandResult handle(CommandContext context, tools.jackson.databind.JsonNode payload)
            throws Exception {
          started.countDown();
          release.await();
          return CommandResult.ok(JsonNodeFactory.instance.textNode("done"));
        }
      };

  private final CommandHandler quickWrite =
      new CommandHandler() {
        public String type() {
          return "test.write";
        }

        public JobClass jobClass() {
          return JobClass.WRITE;
        }

        public CommandResult handle(
            CommandContext context, tools.jackson.databind.JsonNode payload) {
          return CommandResult.ok(JsonNodeFactory.instance.textNode("written"));
        }
      };

  /** A write that streams progress (a helm upgrade): it waits for the release latch. */
  private final CommandHandler streamingWrite =
      new CommandHandler() {
        public String type() {
          return "test.stream-write";
        }

        public JobClass jobClass() {
          return JobClass.WRITE;
        }

        public boolean streaming() {
          return true;
        }

        public CommandResult handle(CommandContext context, tools.jackson.databind.JsonNode payload)
            throws Exception {
          release.await();
          return CommandResult.ok(JsonNodeFactory.instance.textNode("upgraded"));
        }
      };

  /** Fails the way a job out of memory does: with an Error no handler code catches. */
  private final CommandHandler exhausting =
      new CommandHandler() {
        public String type() {
          return "test.exhaust";
        }

        public JobClass jobClass() {
          return JobClass.WRITE;
        }

        public CommandResult handle(
            CommandContext context, tools.jackson.databind.JsonNode payload) {
          throw new OutOfMemoryError("Java heap space (thrown by the test)");
        }
      };

  private CommandDispatcher dispatcher(int readSlots) {
    JobBulkheads bulkheads =
        new JobBulkheads(
            Map.of(
                JobClass.READ,
                readSlots,
                JobClass.WRITE,
                1,
                JobClass.PROXY_UNARY,
                1,
                JobClass.PROXY_STREAM,
                1),
            meters);
    dispatcher =
        new CommandDispatcher(
            List.of(blockingRead, quickWrite, exhausting, streamingWrite),
            bulkheads,
            meters,
            Clock.systemUTC());
    return dispatcher;
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (dispatcher != null) {
      dispatcher.drain(Duration.ofSeconds(5));
    }
  }

  private static CommandRequest request(String id, String type) {
    return new CommandRequest(id, type, Instant.now().plusSeconds(30), Actor.AGENT, null);
  }

  @Test
  void fullBulkheadRejectsAtOnceWithBusyWhileOtherJobClassesKeepRunning() throws Exception {
    dispatcher(2);
    CompletableFuture<CommandResult> first = dispatcher.dispatch(request("a", "test.block"));
    CompletableFuture<CommandResult> second = dispatcher.dispatch(request("b", "test.block"));
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<CommandResult> third = dispatcher.dispatch(request("c", "test.block"));
    assertThat(third).isDone();
    assertThat(third.get())
        .isInstanceOfSatisfying(
            CommandResult.Busy.class,
            busy -> {
              assertThat(busy.jobClass()).isEqualTo(JobClass.READ);
              assertThat(busy.retryAfter()).isPositive();
            });
    // a full read bulkhead does not block writes
    assertThat(dispatcher.dispatch(request("w", "test.write")).get(5, TimeUnit.SECONDS))
        .isInstanceOf(CommandResult.Ok.class);

    assertThat(
            meters
                .get("resilience4j.bulkhead.available.concurrent.calls")
                .tag("name", "read")
                .gauge()
                .value())
        .isZero();
    assertThat(meters.get("agent.commands").tag("outcome", "busy").counter().count())
        .isEqualTo(1.0);

    release.countDown();
    assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(CommandResult.Ok.class);
    assertThat(second.get(5, TimeUnit.SECONDS)).isInstanceOf(CommandResult.Ok.class);
    assertThat(
            meters
                .get("resilience4j.bulkhead.available.concurrent.calls")
                .tag("name", "read")
                .gauge()
                .value())
        .isEqualTo(2.0);
  }

  @Test
  void unknownTypeAndExpiredDeadlineAreStructuredFailures() throws Exception {
    dispatcher(1);
    assertThat(dispatcher.dispatch(request("x", "no.such")).get())
        .isEqualTo(
            new CommandResult.Failure(ErrorCode.UNKNOWN_TYPE, "unknown command type 'no.such'"));
    CommandRequest expired =
        new CommandRequest("y", "test.write", Instant.now().minusSeconds(1), Actor.AGENT, null);
    assertThat(dispatcher.dispatch(expired).get())
        .isInstanceOfSatisfying(
            CommandResult.Failure.class,
            f -> assertThat(f.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
  }

  @Test
  void cancelInterruptsTheRunningJobAndFreesItsSlot() throws Exception {
    dispatcher(1);
    CompletableFuture<CommandResult> running = dispatcher.dispatch(request("a", "test.block"));
    assertThat(dispatcher.cancel("a", new CloseReason.Cancelled("platform cancelled"))).isTrue();
    assertThat(running.get(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            CommandResult.Failure.class, f -> assertThat(f.code()).isEqualTo(ErrorCode.CANCELLED));
    assertThat(dispatcher.runningCount()).isZero();
  }

  @Test
  void deadlineCancelsALongJob() throws Exception {
    dispatcher(1);
    CommandRequest shortDeadline =
        new CommandRequest("d", "test.block", Instant.now().plusMillis(200), Actor.AGENT, null);
    assertThat(dispatcher.dispatch(shortDeadline).get(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            CommandResult.Failure.class,
            f -> assertThat(f.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
  }

  @Test
  void drainRefusesNewWorkAndWaitsForRunningJobs() throws Exception {
    dispatcher(2);
    CompletableFuture<CommandResult> running = dispatcher.dispatch(request("a", "test.block"));
    CompletableFuture<Boolean> drained =
        CompletableFuture.supplyAsync(() -> dispatcher.drain(Duration.ofSeconds(10)));
    while (dispatcher.isAccepting()) {
      Thread.sleep(5);
    }
    assertThat(dispatcher.dispatch(request("b", "test.write")).get())
        .isInstanceOfSatisfying(
            CommandResult.Failure.class,
            f -> assertThat(f.code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
    assertThat(drained).isNotDone();
    release.countDown();
    assertThat(drained.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(running.get()).isInstanceOf(CommandResult.Ok.class);
  }

  @Test
  void aJobThatRunsOutOfMemoryStillGetsAnAnswerAndFreesItsSlot() throws Exception {
    dispatcher(1);
    assertThat(dispatcher.dispatch(request("oom", "test.exhaust")).get(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            CommandResult.Failure.class,
            f -> {
              assertThat(f.code()).isEqualTo(ErrorCode.INTERNAL);
              assertThat(f.message()).contains("OutOfMemoryError").contains("oom");
            });
    // the write slot it held is free again
    assertThat(dispatcher.dispatch(request("w", "test.write")).get(5, TimeUnit.SECONDS))
        .isInstanceOf(CommandResult.Ok.class);
    assertThat(dispatcher.runningCount()).isZero();
  }

  @Test
  void aStreamingWriteGetsTheGracePeriodInsteadOfBeingCancelled() throws Exception {
    dispatcher(1);
    CompletableFuture<CommandResult> upgrade =
        dispatcher.dispatch(request("u", "test.stream-write"));
    while (dispatcher.runningCount() == 0) {
      Thread.sleep(5);
    }
    CompletableFuture<Boolean> drained =
        CompletableFuture.supplyAsync(() -> dispatcher.drain(Duration.ofSeconds(10)));
    while (dispatcher.isAccepting()) {
      Thread.sleep(5);
    }
    Thread.sleep(200);
    assertThat(upgrade).isNotDone();
    release.countDown();
    assertThat(drained.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(upgrade.get()).isInstanceOf(CommandResult.Ok.class);
  }
}
