package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.StreamProtocolException;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.AgentOnNats;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A paged {@code resources.list} held mid-way (the platform grants no credit) while the API server
 * is restarted, and while etcd's history is compacted past the list's continue token: the list
 * either finishes with every object exactly once or ends with an explicit error, never an END frame
 * over a partial list. It runs in the outages JVM of its own (see this module's pom).
 */
@WithTestEnvironment
class ApiServerOutagesTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int OBJECTS = 600;

  @Test
  void aListHeldAcrossAnApiServerRestartEndsCompleteOrWithAnExplicitError(TestEnvironment env)
      throws Exception {
    listAcross(env, "API server restarted during a list stream", env::restartApiServer);
  }

  @Test
  void aListWhoseContinueTokenWasCompactedAwayEndsCompleteOrWithAnExplicitError(TestEnvironment env)
      throws Exception {
    listAcross(
        env,
        "etcd compacted past a list's continue token",
        () -> {
          env.kubectl("create", "configmap", "after-the-token", "-n", "default").assertSuccess();
          env.compactEtcd();
          // a fresh watch cache starts at the compacted revision
          env.restartApiServer();
        });
  }

  private static void listAcross(TestEnvironment env, String faultName, Runnable fault)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "list-outage");
    seed(env, ns);
    try (AgentOnNats agent =
        AgentOnNats.start(
            env,
            "list-outage-" + Long.toString(System.nanoTime(), 36),
            Map.of("agent.nats.stream-stall-timeout", "5m"))) {
      ObjectNode payload =
          JSON.createObjectNode()
              .put("group", "")
              .put("version", "v1")
              .put("resource", "configmaps")
              .put("namespace", ns)
              .put("pageSize", 50);
      PlatformStream stream =
          agent.platform().openStream("resources.list", payload, 2, Duration.ofMinutes(5));
      stream.setAutoCredit(false);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      Frame terminal = null;
      for (int frames = 0; frames < 2; ) {
        Frame frame = stream.next(Duration.ofSeconds(30));
        assertThat(frame).as("the list starts").isNotNull();
        assertThat(frame.terminal()).as("the list is longer than two frames").isFalse();
        if (frame.kind() == FrameKind.DATA) {
          body.write(frame.body());
          frames++;
        }
      }

      TrustTally tally = TrustTally.ofThisBuild();
      String injected = tally.injected(faultName);
      fault.run();

      stream.setAutoCredit(true);
      stream.grant(8);
      boolean gap = false;
      long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (terminal == null && System.nanoTime() < until) {
        try {
          Frame frame = stream.next(Duration.ofSeconds(5));
          if (frame == null) {
            continue;
          }
          if (frame.kind() == FrameKind.DATA) {
            body.write(frame.body());
          } else if (frame.terminal()) {
            terminal = frame;
          }
        } catch (StreamProtocolException e) {
          gap = true;
          if (e.frame() != null && e.frame().terminal()) {
            terminal = e.frame();
          }
        }
      }
      assertThat(terminal).as("the list ends with an explicit frame").isNotNull();
      Set<String> expected = names(env, ns);
      List<String> received = items(body);
      long missing =
          terminal.kind() == FrameKind.END
              ? expected.stream().filter(n -> !received.contains(n)).count()
              : 0;
      tally.messagesLost(missing + (gap ? 1 : 0), "objects missing from a list that said END");
      System.out.printf(
          "%s: ended %s after %d of %d objects%n",
          faultName,
          terminal.kind() == FrameKind.END ? "complete" : "with " + terminal.error().code(),
          received.size(),
          expected.size());
      assertThat(gap).as("no frame lost on the way").isFalse();
      if (terminal.kind() == FrameKind.END) {
        assertThat(received).as("each object exactly once").doesNotHaveDuplicates();
        assertThat(new HashSet<>(received)).isEqualTo(expected);
      } else {
        assertThat(terminal.kind()).isEqualTo(FrameKind.ERROR);
        assertThat(terminal.error().code()).isIn("UPSTREAM_UNAVAILABLE", "BAD_REQUEST");
        assertThat(terminal.error().message()).isNotBlank();
      }
      InProcessAgent.awaitServing(agent.platform());
      tally.survived(injected);
    }
  }

  /**
   * The object names in a list stream's lines: the head first, then one object per line. A list
   * that ended with an error may stop inside an object (frames are cut by size, not by line): that
   * unfinished last line is no object.
   */
  private static List<String> items(ByteArrayOutputStream body) {
    List<String> names = new ArrayList<>();
    String text = body.toString(StandardCharsets.UTF_8);
    String[] lines = text.split("\n");
    int complete = text.endsWith("\n") ? lines.length : lines.length - 1;
    for (int i = 1; i < complete; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      JsonNode item = JSON.readTree(lines[i]);
      names.add(item.path("metadata").path("name").asString());
    }
    return names;
  }

  private static Set<String> names(TestEnvironment env, String ns) {
    Set<String> names = new HashSet<>();
    JSON.readTree(
            env.kubectl("get", "--raw", "/api/v1/namespaces/" + ns + "/configmaps")
                .assertSuccess()
                .stdout())
        .path("items")
        .forEach(i -> names.add(i.path("metadata").path("name").asString()));
    return names;
  }

  private static void seed(TestEnvironment env, String ns) throws Exception {
    CoreV1Api api = new CoreV1Api(env.adminApiClient());
    String payload = "x".repeat(2048);
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<?>> creates = new ArrayList<>();
      for (int i = 0; i < OBJECTS; i++) {
        String name = "cm-" + i;
        creates.add(
            pool.submit(() ->
                api.createNamespacedConfigMap(
                        ns,
                        new V1ConfigMap()
                            .metadata(new V1ObjectMeta().name(name))
                            .data(Map.of("payload", payload)))
                    .execute()));
      }
      for (Future<?> create : creates) {
        create.get();
      }
    }
  }
}
