package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.cli.StreamProtocolException;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.kubernetes.KubernetesApiHealth;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.AgentOnNats;
import io.clusteragent.testsupport.FreezableTcpProxy;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The API server stops answering (a relay between agent and kube-apiserver holds every byte while
 * the sockets stay open, as a stuck load balancer does): commands end with an error at their
 * deadline instead of holding a worker, the readiness check answers "down" within its cap instead
 * of hanging the probe, and once the API server answers again the agent serves as before.
 */
@WithTestEnvironment
class SlowApiServerTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void anUnansweringApiServerEndsCommandsAtTheirDeadlineAndReadinessWithinItsCap(
      TestEnvironment env) throws Exception {
    URI api = URI.create(env.apiServerUrl());
    try (FreezableTcpProxy relay = new FreezableTcpProxy(api.getHost(), api.getPort())) {
      Path kubeconfig = throughRelay(env, relay);
      try (AgentOnNats agent =
          AgentOnNats.start(env, "slow-api", Map.of("KUBECONFIG", kubeconfig.toString()))) {
        KubernetesApiHealth readiness = agent.bean(KubernetesApiHealth.class);
        assertThat(get(agent).ok()).as("answers through the relay").isTrue();

        TrustTally tally = TrustTally.ofThisBuild();
        String fault = tally.injected("API server stops answering (slow responses)");
        relay.freezeAll();

        List<CompletableFuture<Reply>> gets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          gets.add(CompletableFuture.supplyAsync(() -> get(agent)));
        }
        PlatformStream list =
            agent.platform().openStream("resources.list", configMaps(), 8, Duration.ofSeconds(8));
        Frame listEnd = terminal(list, Duration.ofSeconds(60));
        List<Reply> answers = new ArrayList<>();
        for (CompletableFuture<Reply> get : gets) {
          answers.add(get.get(60, TimeUnit.SECONDS));
        }
        tally.messagesLost(
            (listEnd == null ? 1 : 0) + answers.stream().filter(r -> r == null).count(),
            "commands against an unanswering API server without an answer");
        assertThat(listEnd).as("the list ends with an explicit frame").isNotNull();
        assertThat(listEnd.kind()).isEqualTo(FrameKind.ERROR);
        assertThat(listEnd.error().code()).isIn("DEADLINE_EXCEEDED", "UPSTREAM_UNAVAILABLE");
        for (Reply answer : answers) {
          assertThat(answer).as("every get is answered").isNotNull();
          assertThat(answer.ok()).isFalse();
          assertThat(answer.error().code()).isIn("DEADLINE_EXCEEDED", "UPSTREAM_UNAVAILABLE");
        }
        // the handlers really ended: none sits in a socket read holding its worker
        CommandDispatcher dispatcher = agent.bean(CommandDispatcher.class);
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (dispatcher.runningCount() > 0 && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        tally.leaked(dispatcher.runningCount(), "workers held by an unanswering API server");
        assertThat(dispatcher.runningCount()).as("workers held while frozen").isZero();

        // past the cached answer, each check returns within its cap with a reason
        Health health;
        long checks = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
          // a hung check fails here: the chart's probe gives it 3 s, this test 20 s
          health = CompletableFuture.supplyAsync(readiness::health).get(20, TimeUnit.SECONDS);
          Thread.sleep(200);
        } while (health.getStatus() == Status.UP && System.nanoTime() < checks);
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(String.valueOf(health.getDetails().get("reason"))).contains("did not answer");

        relay.thaw();
        Reply back = null;
        long recovered = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while ((back == null || !back.ok()) && System.nanoTime() < recovered) {
          back = get(agent);
        }
        assertThat(back.ok()).as("serves again once the API server answers").isTrue();
        long ready = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (readiness.health().getStatus() != Status.UP && System.nanoTime() < ready) {
          Thread.sleep(200);
        }
        assertThat(readiness.health().getStatus()).isEqualTo(Status.UP);
        tally.survived(fault);
      }
    }
  }

  /** A copy of the admin kubeconfig whose server is the relay. */
  private static Path throughRelay(TestEnvironment env, FreezableTcpProxy relay) throws Exception {
    String config = Files.readString(env.adminKubeconfig());
    String relayed = config.replace(env.apiServerUrl(), "https://127.0.0.1:" + relay.port());
    assertThat(relayed).isNotEqualTo(config);
    Path copy = Files.createTempFile("kubeconfig-relay", ".yaml");
    copy.toFile().deleteOnExit();
    Files.writeString(copy, relayed);
    return copy;
  }

  private static ObjectNode configMaps() {
    return JSON.createObjectNode()
        .put("group", "")
        .put("version", "v1")
        .put("resource", "configmaps")
        .put("namespace", "default");
  }

  /** One get with an 8 s deadline; null when no answer came at all. */
  private static Reply get(AgentOnNats agent) {
    try {
      return agent
          .platform()
          .request(
              "resources.get", configMaps().put("name", "kube-root-ca.crt"), Duration.ofSeconds(8));
    } catch (io.clusteragent.cli.NoReplyException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Frame terminal(PlatformStream stream, Duration bound) throws InterruptedException {
    long until = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < until) {
      try {
        Frame frame = stream.next(Duration.ofSeconds(1));
        if (frame != null && frame.terminal()) {
          return frame;
        }
      } catch (StreamProtocolException e) {
        if (e.frame() != null && e.frame().terminal()) {
          return e.frame();
        }
      }
    }
    return null;
  }
}
