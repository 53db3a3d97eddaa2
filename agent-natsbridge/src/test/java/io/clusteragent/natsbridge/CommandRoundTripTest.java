package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.Heartbeat;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Unary commands end to end through a real nats-server, acting as the platform with PlatformClient.
 */
@WithTestEnvironment
class CommandRoundTripTest {

  @Test
  void pingInfoAndHeartbeatReachThePlatform(TestEnvironment env) throws Exception {
    try (RunningAgent agent =
            RunningAgent.start(
                env.natsUrl(),
                "rt",
                Map.of(
                    "KUBECONFIG",
                    env.adminKubeconfig().toString(),
                    "agent.nats.heartbeat-interval",
                    "1s"));
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "rt", TestEnvironment.get().platformSigner())) {
      Reply pong = platform.request("ping", null, Duration.ofSeconds(10));
      assertThat(pong.ok()).isTrue();
      assertThat(pong.json().path("pong").asBoolean()).isTrue();

      Reply info = platform.request("info", null, Duration.ofSeconds(20));
      assertThat(info.ok()).isTrue();
      assertThat(info.json().path("kubernetesVersion").asString()).startsWith("v1.");
      assertThat(info.json().path("nodeCount").asInt()).isEqualTo(env.nodeNames().size());
      assertThat(info.text()).doesNotContain("token");

      List<Heartbeat> seen = platform.agents(Duration.ofSeconds(3));
      assertThat(seen).extracting(Heartbeat::clusterId).contains("rt");
      assertThat(seen)
          .filteredOn(h -> h.clusterId().equals("rt"))
          .first()
          .satisfies(h -> assertThat(h.nodeCount()).isEqualTo(env.nodeNames().size()))
          .satisfies(h -> assertThat(h.publicIp()).as("reporting is off by default").isNull());
    }
  }

  @Test
  void cancellationStopsTheWorkOnTheAgent(TestEnvironment env) throws Exception {
    try (RunningAgent agent = RunningAgent.start(env.natsUrl(), "cancel", Map.of());
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "cancel", TestEnvironment.get().platformSigner())) {
      var envelope =
          platform.envelope(
              "test.sleep",
              JsonNodeFactory.instance.objectNode().put("ms", 60_000),
              Duration.ofMinutes(2),
              null);
      CompletableFuture<Reply> reply =
          CompletableFuture.supplyAsync(() -> {
            try {
              return platform.request(envelope, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          });
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (agent.bean(io.clusteragent.core.command.CommandDispatcher.class).runningCount() == 0
          && System.nanoTime() < until) {
        RunningAgent.sleep(10);
      }
      platform.publishControl(
          Control.cancel(envelope.id(), "user pressed stop", System.currentTimeMillis()));
      Reply answer = reply.get(15, TimeUnit.SECONDS);
      assertThat(answer.ok()).isFalse();
      assertThat(answer.error().code()).isEqualTo("CANCELLED");
      assertThat(agent.bean(RunningAgent.LiveCommands.class).interrupted)
          .containsEntry(envelope.id(), true);
    }
  }

  @Test
  void natsWorkerMaxWorkersBoundsCommandsInFlight(TestEnvironment env) throws Exception {
    try (RunningAgent agent =
            RunningAgent.start(
                env.natsUrl(),
                "workers",
                Map.of("agent.nats-worker-max-workers", "2", "agent.read-worker-count", "10"));
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "workers", TestEnvironment.get().platformSigner())) {
      List<CompletableFuture<Reply>> sleepers = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        var envelope =
            platform.envelope(
                "test.sleep",
                JsonNodeFactory.instance.objectNode().put("ms", 60_000),
                Duration.ofMinutes(1),
                null);
        ids.add(envelope.id());
        // own threads: the common pool may have a single worker on a small machine
        sleepers.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return platform.request(envelope, Duration.ofSeconds(30));
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                },
                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (agent.bean(io.clusteragent.core.command.CommandDispatcher.class).runningCount() < 2
          && System.nanoTime() < until) {
        RunningAgent.sleep(10);
      }
      Reply third = platform.request("ping", null, Duration.ofSeconds(5));
      assertThat(agent.bean(io.clusteragent.core.command.CommandDispatcher.class).runningCount())
          .isEqualTo(2);
      assertThat(third.ok()).isFalse();
      assertThat(third.error().code()).isEqualTo("BUSY");
      assertThat(third.error().retryAfterMs()).isPositive();
      var json = new tools.jackson.databind.json.JsonMapper();
      for (String id : ids) {
        platform.publishControl(Control.cancel(id, "test over", System.currentTimeMillis()));
      }
      for (CompletableFuture<Reply> sleeper : sleepers) {
        assertThat(sleeper.get(15, TimeUnit.SECONDS).error().code()).isEqualTo("CANCELLED");
      }
      assertThat(platform.request("ping", null, Duration.ofSeconds(5)).ok()).isTrue();
    }
  }

  @Test
  void twoReplicasInOneQueueGroupRunEachCommandOnce(TestEnvironment env) throws Exception {
    try (RunningAgent first = RunningAgent.start(env.natsUrl(), "pair", Map.of());
        RunningAgent second = RunningAgent.start(env.natsUrl(), "pair", Map.of());
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "pair", TestEnvironment.get().platformSigner())) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        var envelope = platform.envelope("test.once", null, Duration.ofSeconds(10), null);
        ids.add(envelope.id());
        assertThat(platform.request(envelope, Duration.ofSeconds(10)).ok()).isTrue();
      }
      var a = first.bean(RunningAgent.LiveCommands.class).executions;
      var b = second.bean(RunningAgent.LiveCommands.class).executions;
      for (String id : ids) {
        long runs =
            a.getOrDefault(id, new AtomicLong()).get() + b.getOrDefault(id, new AtomicLong()).get();
        assertThat(runs).as("executions of %s", id).isEqualTo(1);
      }
      assertThat(a).isNotEmpty();
      assertThat(b).isNotEmpty();
    }
  }

  @Test
  void aReplyTooLargeForTheServerIsRefusedOnceWithAnError(TestEnvironment env) throws Exception {
    try (RunningAgent agent = RunningAgent.start(env.natsUrl(), "big", Map.of());
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "big", TestEnvironment.get().platformSigner())) {
      int tooBig = (int) nats.getServerInfo().getMaxPayload() + 10;
      Reply reply =
          platform.request(
              "test.big",
              JsonNodeFactory.instance.objectNode().put("bytes", tooBig),
              Duration.ofSeconds(10));
      assertThat(reply.ok()).isFalse();
      assertThat(reply.error().code()).isEqualTo("PAYLOAD_TOO_LARGE");
      Reply fits =
          platform.request(
              "test.big",
              JsonNodeFactory.instance.objectNode().put("bytes", 1000),
              Duration.ofSeconds(10));
      assertThat(fits.ok()).isTrue();
      assertThat(fits.body()).hasSize(1000);
      assertThat(
              new String(
                  platform.request("ping", null, Duration.ofSeconds(5)).body(),
                  StandardCharsets.UTF_8))
          .contains("pong");
    }
  }
}
