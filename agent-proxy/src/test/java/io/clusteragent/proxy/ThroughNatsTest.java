package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.cli.ResourceList;
import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proxy commands end to end: a real agent (auto-configuration, NATS bridge) and the platform's
 * side played by agentctl's client over the test environment's nats-server.
 */
@WithTestEnvironment
class ThroughNatsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void listsPodsAndFollowsALogThroughNats(TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "e2e");
    String pod = Workloads.deployAndAwaitPodNames(env, ns, "app", 1).getFirst();
    Path logFile = env.appendPodLog(ns, pod, "hello from the pod");

    try (ConfigurableApplicationContext agent = InProcessAgent.start(env, "proxy-e2e", Map.of());
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(
                nats, "agent", "proxy-e2e", TestEnvironment.get().platformSigner())) {
      InProcessAgent.awaitServing(platform);

      ResourceList list =
          platform.list(
              JSON.readTree(
                  "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                      + ns
                      + "\"}"),
              Duration.ofSeconds(30),
              Duration.ofSeconds(30));
      assertThat(list.head().path("kind").asString()).isEqualTo("PodList");
      assertThat(list.items().getFirst().path("metadata").path("name").asString()).isEqualTo(pod);

      Envelope asNobody =
          new Envelope(
              Envelope.VERSION,
              "forbidden-" + System.nanoTime(),
              "resources.get",
              System.currentTimeMillis() + 30_000,
              new Envelope.ActorBody(env.nonAdminUser(), List.of()),
              JSON.readTree(
                  "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                      + ns
                      + "\",\"name\":\""
                      + pod
                      + "\"}"),
              null);
      Reply forbidden = platform.request(asNobody, Duration.ofSeconds(30));
      assertThat(forbidden.ok()).isFalse();
      assertThat(forbidden.error().code()).isEqualTo("FORBIDDEN");

      try (PlatformStream logs =
          platform.openStream(
              "logs.stream",
              JSON.readTree("{\"namespace\":\"" + ns + "\",\"pod\":\"" + pod + "\"}"),
              4,
              Duration.ofMinutes(2))) {
        assertThat(nextData(logs)).contains("hello from the pod\n");
        TestEnvironment.appendLog(logFile, "a later line");
        assertThat(nextData(logs)).contains("a later line\n");

        logs.cancel("test done");
        Frame end = logs.next(Duration.ofSeconds(20));
        while (end != null && !end.terminal()) {
          end = logs.next(Duration.ofSeconds(20));
        }
        assertThat(end).isNotNull();
        assertThat(end.kind()).isEqualTo(FrameKind.ERROR);
        assertThat(end.error().code()).isEqualTo("CANCELLED");
      }
    }
  }

  private static String nextData(PlatformStream stream) throws InterruptedException {
    Frame frame = stream.next(Duration.ofSeconds(30));
    while (frame != null && frame.kind() == FrameKind.HEARTBEAT) {
      frame = stream.next(Duration.ofSeconds(30));
    }
    assertThat(frame).as("a data frame").isNotNull();
    assertThat(frame.kind()).as(frame.text()).isEqualTo(FrameKind.DATA);
    return new String(frame.body(), StandardCharsets.UTF_8);
  }
}
