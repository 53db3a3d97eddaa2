package io.clusteragent.helm.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.testsupport.AgentOnNats;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * helm.releases.drift and helm.releases.prune end to end: the platform client, through the real
 * nats-server, to a whole agent reading a release the real helm installed in the real API server.
 */
@WithTestEnvironment
class DriftThroughNatsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "helm-drift";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;

  private static TestEnvironment env;
  private static AgentOnNats agent;
  private static PlatformClient platform;

  @BeforeAll
  static void start(TestEnvironment environment) throws Exception {
    env = environment;
    // release Leases (prune is a write) live in the agent's namespace
    String state = io.clusteragent.testsupport.Workloads.uniqueNamespace(env, "drift-state");
    agent = AgentOnNats.start(env, CLUSTER, Map.of("POD_NAMESPACE", state));
    platform = agent.platform();
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void driftThenPruneThroughNats() throws Exception {
    String ns = "drift-nats-" + Long.toHexString(System.nanoTime()).substring(6);
    env.kubectl("create", "namespace", ns).assertSuccess();
    Path chart = new TestChart("web", "0.1.0", false).packageInto(env, work.resolve("charts"));
    env.helm("install", "shop", chart.toString(), "-n", ns).assertSuccess();
    ObjectNode ref = JSON.createObjectNode().put("namespace", ns).put("release", "shop");

    Reply clean = platform.request("helm.releases.drift", ref, WAIT);
    assertThat(clean.ok()).as(clean.text()).isTrue();
    assertThat(clean.json().path("drifted").booleanValue()).isFalse();
    assertThat(clean.json().path("checked").intValue()).isEqualTo(2);

    env.kubectl("scale", "deploy", "shop-web", "-n", ns, "--replicas=4").assertSuccess();
    Reply drifted = platform.request("helm.releases.drift", ref, WAIT);
    assertThat(drifted.ok()).as(drifted.text()).isTrue();
    JsonNode resource = drifted.json().path("drift_resources").get(0);
    assertThat(resource.path("kind").asString()).isEqualTo("Deployment");
    assertThat(resource.path("drift_type").asString()).isEqualTo("modified");
    assertThat(resource.path("paths").toString()).isEqualTo("[\"/spec/replicas\"]");

    env.kubectl("create", "configmap", "shop-stale", "-n", ns).assertSuccess();
    env.kubectl("label", "configmap", "shop-stale", "-n", ns, "app.kubernetes.io/managed-by=Helm")
        .assertSuccess();
    env.kubectl(
            "annotate",
            "configmap",
            "shop-stale",
            "-n",
            ns,
            "meta.helm.sh/release-name=shop",
            "meta.helm.sh/release-namespace=" + ns)
        .assertSuccess();
    Reply pruned = platform.request("helm.releases.prune", ref, WAIT);
    assertThat(pruned.ok()).as(pruned.text()).isTrue();
    assertThat(pruned.json().path("pruned").size()).isEqualTo(1);
    assertThat(pruned.json().path("pruned").get(0).path("name").asString()).isEqualTo("shop-stale");
    assertThat(env.kubectl("get", "configmap", "shop-stale", "-n", ns).exitCode()).isNotZero();

    Reply bad = platform.request("helm.releases.prune", ref.deepCopy().put("dryrun", true), WAIT);
    assertThat(bad.ok()).isFalse();
    assertThat(bad.text()).contains("BAD_REQUEST", "dryrun");
  }
}
