package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.ResourceList;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A list far larger than the agent's heap: 10,000 ConfigMaps of 4 KiB (about 45 MB of JSON) through
 * the packaged agent running with a 64 MiB heap. It must arrive whole, each object exactly once,
 * equal to the API server's own list, and the agent must keep serving.
 */
@WithTestEnvironment
class LargeListProcessIT {

  private static final int OBJECTS = 10_000;
  private static final String CLUSTER = "large-list";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void tenThousandObjectsStreamThroughASmallHeapExactlyOnce(TestEnvironment env) throws Exception {
    String ns = "large-list-" + Long.toString(System.nanoTime(), 36);
    seed(env, ns);

    // kept after the run: the agent's side of a failure
    Path output = Path.of("target", "large-list-agent.log");
    Process agent = start(env, output);
    try (Connection nats = Nats.connect(env.natsUrl())) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      PackagedAgent.awaitServing(platform, agent, output);

      ResourceList viaAgent =
          platform.list(
              JSON.createObjectNode()
                  .put("group", "")
                  .put("version", "v1")
                  .put("resource", "configmaps")
                  .put("namespace", ns),
              Duration.ofMinutes(5),
              Duration.ofSeconds(60));

      JsonNode direct =
          JSON.readTree(
              env.kubectl("get", "--raw", "/api/v1/namespaces/" + ns + "/configmaps")
                  .assertSuccess()
                  .stdout());
      Map<String, String> expected = new HashMap<>();
      direct
          .path("items")
          .forEach(i ->
              expected.put(
                  i.path("metadata").path("name").asString(),
                  i.path("metadata").path("resourceVersion").asString()));
      Map<String, String> received = new HashMap<>();
      for (JsonNode item : viaAgent.items()) {
        String previous =
            received.put(
                item.path("metadata").path("name").asString(),
                item.path("metadata").path("resourceVersion").asString());
        assertThat(previous).as("each object exactly once").isNull();
      }
      TrustTally.ofThisBuild()
          .messagesLost(
              expected.keySet().stream().filter(name -> !received.containsKey(name)).count(),
              "objects missing from a 10,000-object list");
      // the namespace's kube-root-ca.crt comes with the seeded ones
      assertThat(expected).hasSizeGreaterThan(OBJECTS);
      assertThat(received).containsExactlyInAnyOrderEntriesOf(expected);
      assertThat(viaAgent.summary().path("pages").asInt()).isGreaterThan(OBJECTS / 500);
      assertThat(agent.isAlive()).as(Files.readString(output)).isTrue();
      assertThat(platform.request("ping", null, Duration.ofSeconds(10)).ok())
          .as("still serving")
          .isTrue();
    } finally {
      agent.destroy();
      agent.waitFor(60, TimeUnit.SECONDS);
      env.kubectl("delete", "namespace", ns, "--wait=false");
    }
    assertThat(Files.readString(output)).doesNotContain("OutOfMemoryError");
  }

  private static void seed(TestEnvironment env, String ns) throws Exception {
    CoreV1Api api = new CoreV1Api(env.adminApiClient());
    api.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    String payload = "x".repeat(4096);
    try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
      List<Future<?>> creates =
          Stream.iterate(0, i -> i + 1)
              .limit(OBJECTS)
              .<Future<?>>map(i ->
                  pool.submit(() -> {
                    api.createNamespacedConfigMap(
                            ns,
                            new V1ConfigMap()
                                .metadata(new V1ObjectMeta().name("cm-" + i))
                                .data(Map.of("payload", payload)))
                        .execute();
                    return null;
                  }))
              .toList();
      for (Future<?> create : creates) {
        create.get(5, TimeUnit.MINUTES);
      }
    }
  }

  private static Process start(TestEnvironment env, Path output) throws IOException {
    return PackagedAgent.start(
        List.of("-Xmx64m", "-XX:+UseSerialGC"),
        PackagedAgent.environment(env, CLUSTER, PackagedAgent.freePort()),
        output);
  }
}
