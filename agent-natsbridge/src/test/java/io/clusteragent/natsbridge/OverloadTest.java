package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.natsbridge.connection.NatsHealth;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Sustained commands beyond every bulkhead (reads, writes and streams, each sized small): every
 * command gets an answer, the excess a BUSY with a retry hint at once, never a queue; no more jobs
 * run than the bulkheads allow; readiness stays up throughout; and when the load stops nothing is
 * left running.
 */
@WithTestEnvironment
class OverloadTest {

  private static final int READS = 2;
  private static final int WRITES = 1;
  private static final int STREAMS = 2;
  private static final int CLIENTS = 24;
  private static final Duration LOAD = Duration.ofSeconds(10);

  @Test
  void commandsBeyondEveryBulkheadAreAnsweredBusyAndTheAgentStaysReady(TestEnvironment env)
      throws Exception {
    try (RunningAgent agent =
            RunningAgent.start(
                env.natsUrl(),
                "overload",
                Map.of(
                    "agent.read-worker-count", Integer.toString(READS),
                    "agent.write-worker-count", Integer.toString(WRITES),
                    "agent.kubernetes.proxy-stream-concurrency", Integer.toString(STREAMS),
                    "agent.nats.stream-stall-timeout", "5m"));
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "overload", env.platformSigner())) {
      CommandDispatcher dispatcher = agent.bean(CommandDispatcher.class);
      NatsHealth readiness = agent.bean(NatsHealth.class);
      TrustTally tally = TrustTally.ofThisBuild();
      String fault = tally.injected("sustained commands beyond every bulkhead");

      // the stream bulkhead, held by streams whose consumer grants nothing more
      List<PlatformStream> held = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        PlatformStream stream =
            platform.openStream(
                "test.counter",
                JsonNodeFactory.instance.objectNode().put("count", 0).put("bytes", 64),
                1,
                Duration.ofMinutes(2));
        stream.setAutoCredit(false);
        assertThat(stream.next(Duration.ofSeconds(10)).kind()).isEqualTo(FrameKind.DATA);
        held.add(stream);
      }

      Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
      AtomicInteger unanswered = new AtomicInteger();
      AtomicInteger busyWithoutHint = new AtomicInteger();
      AtomicLong slowestAdmittedMs = new AtomicLong();
      AtomicInteger mostRunning = new AtomicInteger();
      AtomicBoolean readinessDropped = new AtomicBoolean();
      AtomicBoolean loading = new AtomicBoolean(true);
      long until = System.nanoTime() + LOAD.toNanos();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
          int client = c;
          running.add(
              clients.submit(() -> {
                for (int n = 0; System.nanoTime() < until; n++) {
                  long started = System.nanoTime();
                  try {
                    Reply reply = send(platform, client, n);
                    String code = reply.ok() ? "OK" : reply.error().code();
                    answers.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
                    if (reply.ok()) {
                      slowestAdmittedMs.accumulateAndGet(
                          Duration.ofNanos(System.nanoTime() - started).toMillis(), Math::max);
                    } else if (code.equals("BUSY") && reply.error().retryAfterMs() <= 0) {
                      busyWithoutHint.incrementAndGet();
                    }
                  } catch (NoReplyException e) {
                    unanswered.incrementAndGet();
                  }
                }
                return null;
              }));
        }
        // one stream more than the bulkhead holds, while the load runs
        PlatformStream extra =
            platform.openStream(
                "test.counter",
                JsonNodeFactory.instance.objectNode().put("count", 1),
                1,
                Duration.ofMinutes(1));
        Frame refused = extra.next(Duration.ofSeconds(10));
        clients.submit(() -> {
          while (loading.get()) {
            mostRunning.accumulateAndGet(dispatcher.runningCount(), Math::max);
            readinessDropped.compareAndSet(false, readiness.health().getStatus() != Status.UP);
            Thread.sleep(20);
          }
          return null;
        });
        for (Future<?> client : running) {
          client.get();
        }
        loading.set(false);

        tally.messagesLost(unanswered.get(), "commands without an answer under overload");
        System.out.printf(
            "overload: %s answers, %d unanswered, at most %d running, slowest admitted %d ms%n",
            answers, unanswered.get(), mostRunning.get(), slowestAdmittedMs.get());
        assertThat(unanswered.get()).as("commands without an answer").isZero();
        assertThat(answers).containsOnlyKeys("OK", "BUSY");
        assertThat(answers.get("OK").get()).as("admitted work").isPositive();
        assertThat(answers.get("BUSY").get()).as("refused work").isPositive();
        assertThat(busyWithoutHint.get()).as("BUSY replies without a retry hint").isZero();
        assertThat(refused).isNotNull();
        assertThat(refused.kind()).isEqualTo(FrameKind.ERROR);
        assertThat(refused.error().code()).isEqualTo("BUSY");
        assertThat(mostRunning.get())
            .as("jobs running at once: never more than the bulkheads allow")
            .isLessThanOrEqualTo(READS + WRITES + STREAMS);
        assertThat(readinessDropped.get()).as("readiness dropped under load").isFalse();
      }

      held.forEach(stream -> stream.cancel("load over"));
      long idle = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while ((dispatcher.runningCount() > 0 || !agent.bean(LiveStreams.class).ids().isEmpty())
          && System.nanoTime() < idle) {
        RunningAgent.sleep(50);
      }
      tally.leaked(
          dispatcher.runningCount() + agent.bean(LiveStreams.class).ids().size(),
          "jobs and streams left after overload");
      assertThat(dispatcher.runningCount()).isZero();
      assertThat(platform.request("ping", null, Duration.ofSeconds(10)).ok())
          .as("serves normally once the load stops")
          .isTrue();
      tally.survived(fault);
    }
  }

  /** Reads that hold a worker for a while, and writes in between. */
  private static Reply send(PlatformClient platform, int client, int n)
      throws InterruptedException {
    if ((client + n) % 3 == 0) {
      return platform.request("test.once", null, Duration.ofSeconds(20));
    }
    return platform.request(
        "test.sleep", JsonNodeFactory.instance.objectNode().put("ms", 200), Duration.ofSeconds(20));
  }
}
