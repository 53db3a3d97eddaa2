package io.clusteragent.helm.heal;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.helm.releases.ReleaseLeases;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Auto-heal end to end: releases made stuck for real (a helm killed with SIGKILL mid-operation, as
 * a crashed pod leaves them), then whole agents sweeping the real API server with the real helm.
 */
@WithTestEnvironment
class StuckReleaseHealTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Duration HEAL_WAIT = Duration.ofSeconds(30);

  @TempDir static Path charts;

  private static Path v1;
  private static Path v2;

  private TestEnvironment env;
  private String namespace;
  private String stateNamespace;
  private final List<ConfigurableApplicationContext> agents = new ArrayList<>();

  @BeforeAll
  static void packageCharts(TestEnvironment env) throws Exception {
    v1 = new TestChart("web", "0.1.0", true).packageInto(env, charts);
    v2 = new TestChart("web", "0.2.0", false).packageInto(env, charts);
  }

  @BeforeEach
  void namespaces(TestEnvironment env) {
    this.env = env;
    String suffix = SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
    namespace = "heal-" + suffix;
    stateNamespace = "heal-agent-" + suffix;
    env.kubectl("create", "namespace", namespace).assertSuccess();
    env.kubectl("create", "namespace", stateNamespace).assertSuccess();
  }

  @AfterEach
  void stopAgentsAndRemoveReleases() {
    agents.forEach(ConfigurableApplicationContext::close);
    // a release left stuck here (auto-heal off) must not become the next test's heal: its
    // Secrets go at once, the namespace in the background
    env.kubectl("delete", "secrets", "-n", namespace, "-l", "owner=helm").assertSuccess();
    env.kubectl("delete", "namespace", namespace, "--wait=false");
    env.kubectl("delete", "namespace", stateNamespace, "--wait=false");
  }

  @Test
  void aStuckUpgradeIsRolledBackToTheLastDeployedChartAndValues() throws Exception {
    env.helm("install", "web", v1.toString(), "-n", namespace, "--set", "greeting=hello")
        .assertSuccess();
    killMidOperation("upgrade", "web", v2, "pending-upgrade");

    ConfigurableApplicationContext agent = agent("replica-a", Map.of());
    await("web deployed again", () -> newest("web").path("status").asString("").equals("deployed"));

    JsonNode history = history("web");
    assertThat(history.size()).isEqualTo(3);
    assertThat(history.get(1).path("status").asString()).isEqualTo("pending-upgrade");
    JsonNode healed = history.get(2);
    assertThat(healed.path("revision").asInt()).isEqualTo(3);
    assertThat(healed.path("status").asString()).isEqualTo("deployed");
    assertThat(healed.path("chart").asString()).isEqualTo("web-0.1.0");
    assertThat(healed.path("description").asString()).isEqualTo("Rollback to 1");
    // the objects are revision 1's: its chart (the extra ConfigMap is back) and its values
    assertThat(configMap("web-greeting", "{.data.greeting}")).isEqualTo("hello");
    assertThat(configMap("web-greeting", "{.data.chartVersion}")).isEqualTo("0.1.0");
    assertThat(configMap("web-extra", "{.data.extra}")).isEqualTo("yes");
    assertThat(
            JSON.readTree(
                env.helm("get", "values", "web", "-n", namespace, "-o", "json")
                    .assertSuccess()
                    .stdout()))
        .isEqualTo(JSON.readTree("{\"greeting\":\"hello\"}"));

    List<CoreV1Event> events = events("ReleaseHealed");
    assertThat(events).hasSize(1);
    CoreV1Event event = events.getFirst();
    assertThat(event.getType()).isEqualTo("Normal");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("Secret");
    assertThat(event.getInvolvedObject().getName()).isEqualTo("sh.helm.release.v1.web.v3");
    assertThat(event.getInvolvedObject().getUid()).isNotBlank();
    assertThat(event.getSource().getHost()).isEqualTo("replica-a");
    assertThat(event.getMessage())
        .contains("release " + namespace + "/web was stuck in pending-upgrade at revision 2")
        .contains("rolled back to revision 1")
        .contains("as revision 3");
    // other test classes may leave stuck releases that this agent heals too: at least ours
    assertThat(healed(agent, "rollback", "success")).isGreaterThanOrEqualTo(1);
    // the heal's Lease was released
    assertThat(leases()).isEmpty();
  }

  @Test
  void withAutoHealOffAStuckReleaseStaysPending() throws Exception {
    env.helm("install", "web", v1.toString(), "-n", namespace).assertSuccess();
    killMidOperation("upgrade", "web", v2, "pending-upgrade");

    ConfigurableApplicationContext agent =
        agent("replica-a", Map.of("agent.reconcile.auto-heal-enabled", "false"));
    assertThat(agent.getBean(StuckReleaseSweep.class).isRunning()).isFalse();
    Thread.sleep(Duration.ofSeconds(4)); // four sweep intervals

    assertThat(newest("web").path("status").asString()).isEqualTo("pending-upgrade");
    assertThat(history("web").size()).isEqualTo(2);
    assertThat(events("ReleaseHealed")).isEmpty();
    assertThat(agent.getBean(MeterRegistry.class).find(StuckReleaseSweep.HEALED_METRIC).meters())
        .isEmpty();
  }

  @Test
  void aStuckFirstInstallIsUninstalled() throws Exception {
    killMidOperation("install", "first", v2, "pending-install");

    ConfigurableApplicationContext agent = agent("replica-a", Map.of());
    await("first uninstalled", () -> releaseSecrets("first").isEmpty());

    assertThat(env.helm("status", "first", "-n", namespace).succeeded()).isFalse();
    assertThat(
            env.kubectl("get", "deployment", "first-web", "-n", namespace, "--ignore-not-found")
                .assertSuccess()
                .stdout())
        .isBlank();
    await("its Event", () -> !events("ReleaseHealed").isEmpty());
    CoreV1Event event = events("ReleaseHealed").getFirst();
    assertThat(event.getInvolvedObject().getName()).isEqualTo("sh.helm.release.v1.first.v1");
    assertThat(event.getMessage())
        .contains("stuck in pending-install at revision 1")
        .contains("uninstalled");
    assertThat(healed(agent, "uninstall", "success")).isGreaterThanOrEqualTo(1);
  }

  /**
   * Both agents run before the release gets stuck and consider it stuck at the same moment, so
   * their sweeps really race for it: the Lease lets one heal it, and the other, reading the history
   * again under the Lease, finds nothing left to do.
   */
  @Test
  void twoAgentsSweepingOneStuckReleaseHealItOnce() throws Exception {
    env.helm("install", "web", v1.toString(), "-n", namespace, "--set", "greeting=hello")
        .assertSuccess();
    Map<String, Object> racing = Map.of("agent.reconcile.stuck-after", "3s");
    CompletableFuture<ConfigurableApplicationContext> a =
        CompletableFuture.supplyAsync(() -> agent("replica-a", racing));
    CompletableFuture<ConfigurableApplicationContext> b =
        CompletableFuture.supplyAsync(() -> agent("replica-b", racing));
    a.get(60, TimeUnit.SECONDS);
    b.get(60, TimeUnit.SECONDS);

    killMidOperation("upgrade", "web", v2, "pending-upgrade");
    await("web deployed again", () -> newest("web").path("status").asString("").equals("deployed"));
    Thread.sleep(Duration.ofSeconds(3)); // more sweeps of both: none may heal again

    JsonNode history = history("web");
    assertThat(history.size()).isEqualTo(3);
    assertThat(
            history
                .valueStream()
                .filter(r -> r.path("description").asString("").startsWith("Rollback")))
        .hasSize(1);
    assertThat(events("ReleaseHealed")).hasSize(1);
    assertThat(events("ReleaseHealFailed")).isEmpty();
    assertThat(configMap("web-greeting", "{.data.greeting}")).isEqualTo("hello");
  }

  // ------------------------------------------------------------------ helpers

  private ConfigurableApplicationContext agent(String podName, Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("agent.helm.binary", env.helm().toString());
    properties.put("agent.reconcile.stuck-after", "1s");
    properties.put("agent.reconcile.sweep-interval", "1s");
    properties.put("POD_NAMESPACE", stateNamespace);
    properties.put("POD_NAME", podName);
    properties.putAll(extra);
    ConfigurableApplicationContext agent =
        InProcessAgent.start(env, "heal-" + podName + "-" + UUID.randomUUID(), properties);
    synchronized (agents) {
      agents.add(agent);
    }
    return agent;
  }

  /**
   * Starts {@code helm install|upgrade --wait} of a chart whose Deployment no node can run, waits
   * for helm to write the pending revision, then kills helm with SIGKILL: it never writes the
   * outcome, exactly as when the pod running it dies.
   */
  private void killMidOperation(String operation, String release, Path chart, String pending)
      throws Exception {
    Process helm =
        env.processBuilder(
                env.helm().toString(),
                operation,
                release,
                chart.toString(),
                "-n",
                namespace,
                "--set",
                "greeting=changed",
                "--set-string",
                "nodeSelector.no-such-node-label=true",
                "--wait",
                "--timeout",
                "5m")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      await(release + " " + pending, () -> !releaseSecrets(release, pending).isEmpty());
      assertThat(helm.isAlive()).as("helm still waiting").isTrue();
    } finally {
      helm.destroyForcibly();
      helm.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private String releaseSecrets(String release) {
    return env.kubectl(
            "get", "secrets", "-n", namespace, "-l", "owner=helm,name=" + release, "-o", "name")
        .assertSuccess()
        .stdout()
        .strip();
  }

  private String releaseSecrets(String release, String status) {
    return env.kubectl(
            "get",
            "secrets",
            "-n",
            namespace,
            "-l",
            "owner=helm,name=" + release + ",status=" + status,
            "-o",
            "name")
        .assertSuccess()
        .stdout()
        .strip();
  }

  private JsonNode history(String release) {
    return JSON.readTree(
        env.helm("history", release, "-n", namespace, "-o", "json").assertSuccess().stdout());
  }

  private JsonNode newest(String release) {
    JsonNode history = history(release);
    return history.get(history.size() - 1);
  }

  private String configMap(String name, String jsonPath) {
    return env.kubectl("get", "configmap", name, "-n", namespace, "-o", "jsonpath=" + jsonPath)
        .assertSuccess()
        .stdout()
        .strip();
  }

  private List<CoreV1Event> events(String reason) {
    try {
      return new CoreV1Api(env.adminApiClient())
          .listNamespacedEvent(namespace)
          .fieldSelector("reason=" + reason)
          .execute()
          .getItems();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private List<?> leases() throws Exception {
    return new CoordinationV1Api(env.adminApiClient())
        .listNamespacedLease(stateNamespace).execute().getItems().stream()
            .filter(
                l -> l.getMetadata().getName().equals(ReleaseLeases.leaseName(namespace, "web")))
            .toList();
  }

  private static double healed(
      ConfigurableApplicationContext agent, String action, String outcome) {
    Counter counter =
        agent
            .getBean(MeterRegistry.class)
            .find(StuckReleaseSweep.HEALED_METRIC)
            .tag("action", action)
            .tag("outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + HEAL_WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(200);
    }
  }
}
