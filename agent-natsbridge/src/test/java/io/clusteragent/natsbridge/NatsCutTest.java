package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.StreamProtocolException;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.natsbridge.connection.NatsHealth;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.FreezableTcpProxy;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The agent's NATS connection cut for 30 s (a relay between agent and nats-server stops forwarding
 * while both sockets stay open) in the middle of a stream: readiness goes down with a reason and
 * stays down for the whole cut, the stream ends with an explicit error rather than a silent gap,
 * memory stays bounded, and once the path is back the agent reconnects by itself, reports ready and
 * serves again with nothing left running.
 */
@WithTestEnvironment
class NatsCutTest {

  private static final Duration CUT = Duration.ofSeconds(30);

  @Test
  void aThirtySecondCutTurnsReadinessDownEndsTheStreamExplicitlyAndHealsByItself(
      TestEnvironment env) throws Exception {
    URI nats = URI.create(env.natsUrl());
    try (FreezableTcpProxy relay = new FreezableTcpProxy(nats.getHost(), nats.getPort());
        RunningAgent agent =
            RunningAgent.start(
                "nats://127.0.0.1:" + relay.port(),
                "cut",
                Map.of("agent.nats.ping-interval", "500ms", "agent.nats.ping-misses", "3"));
        Connection platformConnection = Nats.connect(env.reconnectingNatsOptions());
        PlatformClient platform =
            new PlatformClient(platformConnection, "agent", "cut", env.platformSigner())) {
      NatsHealth readiness = agent.bean(NatsHealth.class);
      assertThat(readiness.health().getStatus()).isEqualTo(Status.UP);
      PlatformStream stream =
          platform.openStream(
              "test.counter",
              JsonNodeFactory.instance.objectNode().put("count", 0).put("bytes", 256),
              8,
              Duration.ofMinutes(3));
      for (int data = 0; data < 20; ) {
        Frame frame = stream.next(Duration.ofSeconds(10));
        assertThat(frame).as("the stream runs before the cut").isNotNull();
        if (frame.kind() == FrameKind.DATA) {
          data++;
        }
      }
      long heapBefore = heapAfterGc();

      TrustTally tally = TrustTally.ofThisBuild();
      String fault = tally.injected("NATS connection cut for 30 s during a stream");
      relay.freezeAll();
      long cutEnds = System.nanoTime() + CUT.toNanos();

      Health down = awaitStatus(readiness, Status.DOWN, Duration.ofSeconds(20));
      assertThat(down.getStatus()).as("readiness follows the cut").isEqualTo(Status.DOWN);
      assertThat(String.valueOf(down.getDetails().get("reason"))).isNotBlank();

      // the platform's own side stays up: what it reads of the stream during the cut
      Outcome outcome = new Outcome();
      boolean upDuringCut = false;
      while (System.nanoTime() < cutEnds) {
        outcome.read(stream, Duration.ofSeconds(1));
        upDuringCut |= readiness.health().getStatus() == Status.UP;
      }
      assertThat(upDuringCut).as("readiness stays down for the whole cut").isFalse();
      assertThat(platformCannotReach(platform))
          .as("a command during the cut is not answered")
          .isTrue();

      relay.thaw();
      long settle = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (outcome.terminal == null && System.nanoTime() < settle) {
        outcome.read(stream, Duration.ofSeconds(1));
      }
      // a stream that neither ended explicitly nor carried on without a gap lost frames silently
      tally.messagesLost(outcome.terminal == null ? 1 : 0, "stream across a 30 s NATS cut");
      assertThat(outcome.terminal)
          .as("the stream ends with an explicit frame (gap seen: %s)", outcome.gapSeen)
          .isNotNull();
      assertThat(outcome.terminal.kind()).isEqualTo(FrameKind.ERROR);
      assertThat(outcome.terminal.error().code()).isEqualTo("UPSTREAM_UNAVAILABLE");

      assertThat(awaitServing(platform)).as("the agent serves again by itself").isTrue();
      assertThat(awaitStatus(readiness, Status.UP, Duration.ofSeconds(30)).getStatus())
          .as("readiness recovers")
          .isEqualTo(Status.UP);
      assertThat(relay.connectionsAccepted())
          .as("the agent dialled again")
          .isGreaterThanOrEqualTo(2);
      awaitNothingRunning(agent);
      tally.leaked(
          agent.bean(LiveStreams.class).ids().size()
              + agent.bean(CommandDispatcher.class).runningCount(),
          "streams and jobs left after a 30 s NATS cut");
      assertThat(agent.bean(LiveStreams.class).ids()).isEmpty();
      long heapAfter = heapAfterGc();
      System.out.printf(
          "nats cut: %d s, reconnects %.0f, heap after GC %d -> %d KB, relay connections %d%n",
          CUT.toSeconds(),
          agent.counter("agent.nats.reconnects"),
          heapBefore >> 10,
          heapAfter >> 10,
          relay.connectionsAccepted());
      // the endless stream's producer was parked on credit and the reconnect buffer is bounded
      assertThat(heapAfter).as("heap after GC").isLessThan(heapBefore + (64L << 20));
      tally.survived(fault);
    }
  }

  /** What the platform saw of the stream: its terminal frame, and whether a gap was reported. */
  private static final class Outcome {
    Frame terminal;
    boolean gapSeen;

    void read(PlatformStream stream, Duration wait) throws InterruptedException {
      if (terminal != null) {
        Thread.sleep(wait.toMillis());
        return;
      }
      try {
        Frame frame = stream.next(wait);
        if (frame != null && frame.terminal()) {
          terminal = frame;
        }
      } catch (StreamProtocolException e) {
        // a reported gap is the platform noticing, not silence; the terminal frame must still come
        gapSeen |= e.violation() == StreamProtocolException.Violation.SEQUENCE_GAP;
        if (e.frame() != null && e.frame().terminal()) {
          terminal = e.frame();
        }
      }
    }
  }

  private static boolean platformCannotReach(PlatformClient platform) throws InterruptedException {
    try {
      platform.request("ping", null, Duration.ofSeconds(2));
      return false;
    } catch (NoReplyException expected) {
      return true;
    }
  }

  private static boolean awaitServing(PlatformClient platform) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < until) {
      try {
        if (platform.request("ping", null, Duration.ofSeconds(2)).ok()) {
          return true;
        }
      } catch (NoReplyException notYet) {
        RunningAgent.sleep(200);
      }
    }
    return false;
  }

  private static Health awaitStatus(NatsHealth readiness, Status status, Duration bound) {
    long until = System.nanoTime() + bound.toNanos();
    Health health = readiness.health();
    while (!health.getStatus().equals(status) && System.nanoTime() < until) {
      RunningAgent.sleep(50);
      health = readiness.health();
    }
    return health;
  }

  private static void awaitNothingRunning(RunningAgent agent) {
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while ((!agent.bean(LiveStreams.class).ids().isEmpty()
            || agent.bean(CommandDispatcher.class).runningCount() > 0)
        && System.nanoTime() < until) {
      RunningAgent.sleep(50);
    }
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      RunningAgent.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
