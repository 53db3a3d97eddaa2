package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandRequest;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * On stop: readiness goes down first, no new commands are taken, running jobs finish, then exit.
 */
class ShutdownOrderTest {

  static final CountDownLatch started = new CountDownLatch(1);
  static final CountDownLatch release = new CountDownLatch(1);
  static final List<String> events = new CopyOnWriteArrayList<>();

  @Configuration
  static class SlowJob {
    @Bean
    CommandHandler slowJob() {
      return new CommandHandler() {
        public String type() {
          return "test.slow";
        }

        public JobClass jobClass() {
          return JobClass.WRITE;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
          started.countDown();
          release.await();
          events.add("job finished");
          return CommandResult.ok(JsonNodeFactory.instance.textNode("done"));
        }
      };
    }

    @Bean
    ApplicationListener<AvailabilityChangeEvent<ReadinessState>> readinessRecorder() {
      return event -> events.add("readiness " + event.getState());
    }
  }

  @Test
  void readinessDropsThenIntakeStopsThenRunningJobsFinish() throws Exception {
    ConfigurableApplicationContext context =
        new SpringApplication(AgentApplication.class, SlowJob.class)
            .run(
                "--server.port=0",
                "--KUBECONFIG=/nonexistent",
                "--agent.shutdown-grace-period-seconds=30");
    CommandDispatcher dispatcher = context.getBean(CommandDispatcher.class);
    ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
    CompletableFuture<CommandResult> running = dispatcher.dispatch(request("slow-1"));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (availability.getReadinessState() != ReadinessState.REFUSING_TRAFFIC
        && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
    while (dispatcher.isAccepting() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(dispatcher.dispatch(request("late")).get())
        .isInstanceOfSatisfying(
            CommandResult.Failure.class,
            f -> assertThat(f.code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
    Thread.sleep(300);
    assertThat(closing).as("context waits for the running job").isNotDone();

    release.countDown();
    closing.get(20, TimeUnit.SECONDS);
    assertThat(running.get()).isInstanceOf(CommandResult.Ok.class);
    assertThat(events).containsSubsequence("readiness REFUSING_TRAFFIC", "job finished");
  }

  private static CommandRequest request(String id) {
    return new CommandRequest(id, "test.slow", Instant.now().plusSeconds(60), Actor.AGENT, null);
  }
}
