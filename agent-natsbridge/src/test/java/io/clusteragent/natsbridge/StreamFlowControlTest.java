package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Credit-based flow control, cancellation and reaping against a real nats-server. */
@WithTestEnvironment
class StreamFlowControlTest {

  private static RunningAgent agent;
  private static Connection nats;
  private static PlatformClient platform;

  @BeforeAll
  static void start(TestEnvironment env) throws Exception {
    agent =
        RunningAgent.start(
            env.natsUrl(),
            "flow",
            Map.of(
                "agent.nats.stream-stall-timeout", "8s",
                "agent.nats.stream-sync-interval", "1s"));
    nats = Nats.connect(env.natsUrl());
    platform = new PlatformClient(nats, "agent", "flow", TestEnvironment.get().platformSigner());
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (nats != null) {
      nats.close();
    }
  }

  private static ObjectNode counter(long count, int bytes) {
    return JsonNodeFactory.instance.objectNode().put("count", count).put("bytes", bytes);
  }

  private long produced(PlatformStream stream) {
    var counter = agent.bean(RunningAgent.LiveCommands.class).produced.get(stream.id());
    return counter == null ? 0 : counter.get();
  }

  @Test
  void aConsumerWithoutCreditPausesItsProducerWhileAnotherStreamRunsAtFullSpeed() throws Exception {
    TrustTally tally = TrustTally.ofThisBuild();
    String fault = tally.injected("a consumer stops reading while another stream runs");
    PlatformStream slow =
        platform.openStream("test.counter", counter(0, 1024), 4, Duration.ofMinutes(2));
    slow.setAutoCredit(false);
    for (int i = 0; i < 4; i++) {
      assertThat(nextData(slow).kind()).isEqualTo(FrameKind.DATA);
    }

    PlatformStream fast =
        platform.openStream("test.counter", counter(3000, 1024), 32, Duration.ofMinutes(2));
    long fastFrames = 0;
    Frame frame;
    while ((frame = fast.next(Duration.ofSeconds(20))) != null && !frame.terminal()) {
      if (frame.kind() == FrameKind.DATA) {
        fastFrames++;
      }
    }
    tally.messagesLost(
        Math.max(0, 3000 - fastFrames), "the full-speed stream beside a stalled one");
    assertThat(frame).isNotNull();
    assertThat(frame.kind()).isEqualTo(FrameKind.END);
    assertThat(fastFrames).isEqualTo(3000);

    // the slow stream's producer is parked on credit: nothing beyond the 4 granted frames was made
    assertThat(produced(slow)).isEqualTo(4);
    assertThat(slow.next(Duration.ofMillis(300)))
        .satisfiesAnyOf(
            f -> assertThat(f).isNull(), f -> assertThat(f.kind()).isEqualTo(FrameKind.HEARTBEAT));

    slow.grant(10);
    for (int i = 0; i < 10; i++) {
      assertThat(nextData(slow).kind()).isEqualTo(FrameKind.DATA);
    }
    RunningAgent.sleep(300);
    assertThat(produced(slow)).isEqualTo(14);

    slow.cancel("test done");
    Frame end = untilTerminal(slow);
    assertThat(end.kind()).isEqualTo(FrameKind.ERROR);
    assertThat(end.error().code()).isEqualTo("CANCELLED");
    awaitNoLiveStreams();
    tally.survived(fault);
  }

  @Test
  void aConsumerThatVanishesIsReapedAfterTheStallTimeout() throws Exception {
    TrustTally tally = TrustTally.ofThisBuild();
    String fault = tally.injected("a consumer vanishes mid-stream");
    PlatformStream stream =
        platform.openStream("test.counter", counter(0, 64), 1, Duration.ofMinutes(2));
    stream.setAutoCredit(false);
    Frame end = untilTerminal(stream);
    assertThat(end.kind()).isEqualTo(FrameKind.ERROR);
    assertThat(end.error().message()).contains("consumer stalled");
    assertThat(produced(stream)).isEqualTo(1);
    awaitNoLiveStreams();
    tally.survived(fault);
  }

  @Test
  void aStalledStreamEndsWithAnErrorEvenWhenItsHandlerReturnsNormally() throws Exception {
    PlatformStream stream = platform.openStream("test.swallowing", null, 1, Duration.ofMinutes(2));
    stream.setAutoCredit(false);
    Frame end = untilTerminal(stream);
    assertThat(end.kind()).as("a stalled stream must not look complete").isEqualTo(FrameKind.ERROR);
    assertThat(end.error().code()).isEqualTo("CANCELLED");
    assertThat(end.error().message()).contains("consumer stalled");
    awaitNoLiveStreams();
  }

  @Test
  void inputFlowsUnderTheAgentsCreditAndComesBackIntact() throws Exception {
    byte[] input = new byte[300_000];
    new java.util.Random(7).nextBytes(input);
    PlatformStream echo = platform.openStream("test.echo", null, 8, Duration.ofMinutes(2));
    CompletableFuture<Boolean> writer =
        CompletableFuture.supplyAsync(() -> {
          try {
            boolean all = echo.write(input, 16 * 1024, Duration.ofSeconds(10));
            echo.endInput();
            return all;
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
    java.io.ByteArrayOutputStream echoed = new java.io.ByteArrayOutputStream();
    int credits = 0;
    Frame frame;
    do {
      frame = echo.next(Duration.ofSeconds(15));
      assertThat(frame).as("a frame within 15 s").isNotNull();
      if (frame.kind() == FrameKind.DATA) {
        echoed.write(frame.body());
      } else if (frame.kind() == FrameKind.CREDIT) {
        credits++;
      }
    } while (!frame.terminal());
    assertThat(writer.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(frame.kind()).isEqualTo(FrameKind.END);
    assertThat(frame.json().path("bytes").asLong()).isEqualTo(input.length);
    assertThat(echoed.toByteArray()).isEqualTo(input);
    assertThat(credits)
        .as("19 input frames against a window of 4: credit was granted back repeatedly")
        .isGreaterThan(5);
    awaitNoLiveStreams();
  }

  @Test
  void inputWithALostFrameStopsTheStreamWithBadRequest() throws Exception {
    PlatformStream echo = platform.openStream("test.echo", null, 8, Duration.ofMinutes(2));
    Frame credit;
    do {
      credit = echo.next(Duration.ofSeconds(10));
      assertThat(credit).isNotNull();
    } while (credit.kind() != FrameKind.CREDIT);
    for (long seq : new long[] {1, 3}) {
      platform.publishInput(
          credit.instance(),
          echo.id(),
          FrameKind.DATA,
          seq,
          "x".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    Frame end = untilTerminal(echo);
    assertThat(end.kind()).isEqualTo(FrameKind.ERROR);
    assertThat(end.error().code()).isEqualTo("BAD_REQUEST");
    assertThat(end.error().message()).contains("lost");
    awaitNoLiveStreams();
  }

  @Test
  void tenThousandAbandonedStreamsLeaveNothingBehind(TestEnvironment env) throws Exception {
    awaitNoLiveStreams();
    TrustTally tally = TrustTally.ofThisBuild();
    String fault = tally.injected("10,000 streams opened and abandoned");
    Footprint before = Footprint.now(env);
    double reapedBefore = agent.counter("agent.streams.reaped");
    int total = 0;
    // batches within the stream bulkhead, so every stream is admitted and runs
    for (int batch = 0; batch < 100; batch++) {
      List<PlatformStream> opened = new java.util.ArrayList<>();
      for (int i = 0; i < 100; i++) {
        PlatformStream stream =
            platform.openStream("test.counter", counter(0, 64), 1, Duration.ofMinutes(2));
        stream.setAutoCredit(false);
        opened.add(stream);
      }
      for (PlatformStream stream : opened) {
        io.clusteragent.cli.Frame first = stream.next(Duration.ofSeconds(10));
        assertThat(first).as("each stream started").isNotNull();
        assertThat(first.kind()).as("each stream admitted").isEqualTo(FrameKind.DATA);
        stream.abandon(); // gone without a word, like a crashed platform
      }
      total += opened.size();
      RunningAgent.sleep(1100); // older than one sync interval
      platform.sync(List.of());
      awaitNoLiveStreams();
    }
    assertThat(agent.counter("agent.streams.reaped") - reapedBefore).isEqualTo(total);
    assertThat(agent.bean(io.clusteragent.core.command.CommandDispatcher.class).runningCount())
        .isZero();
    Footprint after = Footprint.now(env);
    System.out.printf("abandoned streams: %d; before %s; after %s%n", total, before, after);
    // subscriptions (the server's own count), live streams and running jobs are exact; platform
    // threads and sockets of this JVM come and go by themselves (JDK and jnats housekeeping), so
    // only growth beyond the margin the assertions allow counts as leaked
    tally.leaked(
        Math.max(0, after.subscriptions() - before.subscriptions()),
        "nats-server subscriptions after 10,000 abandoned streams");
    tally.leaked(
        agent.bean(LiveStreams.class).ids().size()
            + agent.bean(io.clusteragent.core.command.CommandDispatcher.class).runningCount(),
        "live streams and running jobs after 10,000 abandoned streams");
    tally.leaked(
        Math.max(0, after.threads() - before.threads() - 5)
            + Math.max(0, after.sockets() - before.sockets() - 2),
        "platform threads and sockets after 10,000 abandoned streams");
    // platform threads (virtual ones are not counted) do not grow with the streams served
    assertThat(after.threads()).isLessThanOrEqualTo(before.threads() + 5);
    assertThat(after.sockets()).as("sockets").isLessThanOrEqualTo(before.sockets() + 2);
    assertThat(after.subscriptions())
        .as("subscriptions on the nats-server")
        .isLessThanOrEqualTo(before.subscriptions() + 2);
    assertThat(after.heapBytes()).as("heap after GC").isLessThan(before.heapBytes() + (32L << 20));
    tally.survived(fault);
  }

  /**
   * What 10,000 streams must not leave behind: this JVM's platform threads and sockets, the
   * nats-server's subscriptions (its own count, from its monitoring port) and heap in use after a
   * GC.
   */
  record Footprint(int threads, long sockets, long subscriptions, long heapBytes) {
    static Footprint now(TestEnvironment env) throws Exception {
      for (int i = 0; i < 3; i++) {
        System.gc();
        RunningAgent.sleep(100);
      }
      long sockets;
      try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
        sockets =
            fds.filter(
                    fd -> {
                      try {
                        return java.nio.file.Files.readSymbolicLink(fd)
                            .toString()
                            .startsWith("socket:");
                      } catch (java.io.IOException gone) {
                        return false;
                      }
                    })
                .count();
      }
      String subsz =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              env.variables().get("TESTENV_NATS_MONITOR_URL") + "/subsz"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      long subscriptions =
          tools.jackson.databind.json.JsonMapper.builder()
              .build()
              .readTree(subsz)
              .path("num_subscriptions")
              .asLong();
      return new Footprint(
          Thread.activeCount(),
          sockets,
          subscriptions,
          java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
  }

  @Test
  void streamsThePlatformNoLongerKnowsAreReapedOnSync() throws Exception {
    PlatformStream kept =
        platform.openStream("test.counter", counter(0, 64), 1, Duration.ofMinutes(2));
    kept.setAutoCredit(false);
    PlatformStream forgotten =
        platform.openStream("test.counter", counter(0, 64), 1, Duration.ofMinutes(2));
    forgotten.setAutoCredit(false);
    nextData(kept);
    nextData(forgotten);
    RunningAgent.sleep(1100); // older than one sync interval
    platform.sync(List.of(kept.id()));
    Frame end = untilTerminal(forgotten);
    assertThat(end.kind()).isEqualTo(FrameKind.ERROR);
    assertThat(end.error().message()).contains("no longer reads");
    assertThat(agent.bean(LiveStreams.class).ids())
        .contains(kept.id())
        .doesNotContain(forgotten.id());
    kept.cancel("done");
    untilTerminal(kept);
  }

  private static Frame nextData(PlatformStream stream) throws InterruptedException {
    Frame frame;
    do {
      frame = stream.next(Duration.ofSeconds(10));
      assertThat(frame).as("frame within 10 s").isNotNull();
    } while (frame.kind() == FrameKind.HEARTBEAT);
    return frame;
  }

  private static Frame untilTerminal(PlatformStream stream) throws InterruptedException {
    Frame frame;
    do {
      frame = stream.next(Duration.ofSeconds(15));
      assertThat(frame).as("terminal frame within 15 s").isNotNull();
    } while (!frame.terminal());
    return frame;
  }

  private static void awaitNoLiveStreams() {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!agent.bean(LiveStreams.class).ids().isEmpty() && System.nanoTime() < until) {
      RunningAgent.sleep(20);
    }
    assertThat(agent.bean(LiveStreams.class).ids()).isEmpty();
  }
}
