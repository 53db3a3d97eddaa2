package io.clusteragent.helm.stacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.helm.argocd.ArgoCdCrd;
import io.clusteragent.helm.charts.ChartRepository;
import io.clusteragent.testsupport.AgentCtlRun;
import io.clusteragent.testsupport.AgentOnNats;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Add-on stacks end to end: agentctl, the real nats-server, a whole agent, the real helm against
 * the real API server, charts from a real HTTPS chart repository. Order, idempotency and failure
 * reports are read from the cluster (helm's release Secrets, the charts' objects, the stack's state
 * ConfigMap), not only from the agent's report. The Argo CD case installs Argo CD's Application CRD
 * only: no Argo CD controller runs, so it checks the Applications the agent writes and the status
 * it reads back, not a sync.
 */
@WithTestEnvironment
class StacksThroughNatsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "stacks";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;

  private static TestEnvironment env;
  private static ChartRepository repository;
  private static AgentOnNats agent;
  private static PlatformClient platform;
  private static String stateNamespace;

  @BeforeAll
  static void start(TestEnvironment environment) throws Exception {
    env = environment;
    repository = ChartRepository.start(env, work.resolve("repo"), null, null);
    repository.publish(new TestChart("web", "0.1.0", false));
    repository.publish(new TestChart("web", "0.2.0", false));
    stateNamespace = Workloads.uniqueNamespace(env, "agent-state");
    ArgoCdCrd.install(env, "argocd");
    agent =
        AgentOnNats.start(
            env, CLUSTER, Map.of("POD_NAMESPACE", stateNamespace, "agent.write-worker-count", "2"));
    platform = agent.platform();
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (repository != null) {
      repository.close();
    }
  }

  @Test
  void aStackInstallsInDependencyOrderReappliesAsANoOpAndDeletesInReverse() throws Exception {
    String ns = Workloads.uniqueNamespace(env, "shop");
    Path file =
        Files.writeString(
            work.resolve("shop.yaml"),
            """
            name: shop
            manifests:
              - name: settings
                manifest: |
                  apiVersion: v1
                  kind: ConfigMap
                  metadata:
                    name: shop-settings
                    namespace: %1$s
                  data:
                    mode: test
            addons:
              - name: db
                chart_name: web
                chart_version: 0.1.0
                registry_url: %2$s
                namespace: %1$s
                parents:
                  - manifest: settings
              - name: api
                chart_name: web
                chart_version: 0.2.0
                registry_url: %2$s
                namespace: %1$s
                configuration:
                  values: |
                    greeting: from-api
                parents:
                  - addon: db
              - name: ui
                chart_name: web
                chart_version: 0.1.0
                registry_url: %2$s
                namespace: %1$s
                parents:
                  - addon: api
            """
                .formatted(ns, repository.url()));

    AgentCtlRun apply = agentctl("stack", "apply", file.toString());
    assertThat(apply.exit()).as(apply.toString()).isZero();
    assertThat(apply.out()).contains("STACK shop  applied");
    // each waits for its parent: one finishes before the next starts
    assertThat(eventOrder(apply.err()))
        .containsSubsequence(
            "manifest settings: applied",
            "addon db: started",
            "addon db: applied",
            "addon api: started",
            "addon api: applied",
            "addon ui: started",
            "addon ui: applied");
    assertThat(configMap(ns, "shop-settings", "mode")).isEqualTo("test");
    assertThat(configMap(ns, "api-greeting", "greeting")).isEqualTo("from-api");
    assertThat(configMap(ns, "api-greeting", "chartVersion")).isEqualTo("0.2.0");
    assertThat(releaseCreationOrder(ns)).containsExactlyInAnyOrder("db", "api", "ui");

    int downloads = repository.chartDownloads();
    AgentCtlRun again = agentctl("stack", "apply", file.toString());
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(eventOrder(again.err()))
        .contains(
            "manifest settings: unchanged",
            "addon db: unchanged",
            "addon api: unchanged",
            "addon ui: unchanged");
    // nothing was upgraded: one revision each, and no chart fetched again
    assertThat(env.kubectl("get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name").stdout())
        .doesNotContain(".v2");
    assertThat(repository.chartDownloads()).isEqualTo(downloads);

    AgentCtlRun status = agentctl("stack", "status", "shop");
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out()).contains("phase applied", "db", "unchanged");
    // the state lives in the cluster, for any replica
    assertThat(
            env.kubectl("get", "cm", "stack-shop", "-n", stateNamespace, "-o", "name").exitCode())
        .isZero();

    AgentCtlRun delete = agentctl("stack", "delete", file.toString());
    assertThat(delete.exit()).as(delete.toString()).isZero();
    assertThat(eventOrder(delete.err()))
        .containsSubsequence(
            "addon ui: applied",
            "addon api: started",
            "addon api: applied",
            "addon db: started",
            "addon db: applied",
            "manifest settings: started");
    assertThat(env.kubectl("get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name").stdout())
        .isBlank();
    assertThat(env.kubectl("get", "cm", "shop-settings", "-n", ns).exitCode()).isNotZero();
    assertThat(env.kubectl("get", "cm", "stack-shop", "-n", stateNamespace).exitCode()).isNotZero();
  }

  @Test
  void aFailingAddonStopsTheRestWithAClearReport() throws Exception {
    String ns = Workloads.uniqueNamespace(env, "broken");
    String stack =
        """
        name: broken
        addons:
          - name: first
            chart_name: web
            chart_version: 0.1.0
            registry_url: %2$s
            namespace: %1$s
          - name: second
            chart_name: web
            chart_version: 9.9.9
            registry_url: %2$s
            namespace: %1$s
            parents:
              - addon: first
          - name: third
            chart_name: web
            chart_version: 0.1.0
            registry_url: %2$s
            namespace: %1$s
            parents:
              - addon: second
        """
            .formatted(ns, repository.url());
    AgentCtlRun apply =
        agentctl(
            "stack", "apply", Files.writeString(work.resolve("broken.yaml"), stack).toString());
    assertThat(apply.exit()).as(apply.toString()).isEqualTo(2);
    assertThat(apply.out()).contains("STACK broken  failed");

    Reply status =
        platform.request("stacks.status", JSON.createObjectNode().put("name", "broken"), WAIT);
    assertThat(status.ok()).as(status.text()).isTrue();
    Map<String, JsonNode> nodes = byName(status.json().path("nodes"));
    assertThat(nodes.get("first").path("status").asString()).isEqualTo("applied");
    assertThat(nodes.get("second").path("status").asString()).isEqualTo("failed");
    assertThat(nodes.get("second").path("message").asString()).contains("9.9.9");
    assertThat(nodes.get("third").path("status").asString()).isEqualTo("blocked");
    assertThat(releaseCreationOrder(ns)).containsExactly("first");
    assertThat(platform.request("ping", null, WAIT).ok()).isTrue();
  }

  @Test
  void aCycleOrAnUnknownParentIsRefusedBeforeAnythingRuns() throws Exception {
    String cyclic =
        """
        name: loop
        addons:
          - {name: a, chart_name: web, chart_version: 0.1.0, registry_url: %1$s, namespace: x,
             parents: [{addon: b}]}
          - {name: b, chart_name: web, chart_version: 0.1.0, registry_url: %1$s, namespace: x,
             parents: [{addon: a}]}
        """
            .formatted(repository.url());
    AgentCtlRun run =
        agentctl("stack", "apply", Files.writeString(work.resolve("loop.yaml"), cyclic).toString());
    assertThat(run.exit()).as(run.toString()).isEqualTo(2);
    assertThat(run.err()).contains("BAD_REQUEST", "cycle");
    assertThat(env.kubectl("get", "cm", "stack-loop", "-n", stateNamespace).exitCode()).isNotZero();
  }

  @Test
  void theArgoCdEngineWritesApplicationsAndReadsTheirStatusBack() throws Exception {
    String stack =
        """
        name: gitops
        engine: argo_cd
        addons:
          - name: metrics
            chart_name: web
            chart_version: 0.2.0
            registry_url: %s
            namespace: monitoring
            configuration:
              values: |
                greeting: from-argo
        """
            .formatted(repository.url());
    Path file = Files.writeString(work.resolve("gitops.yaml"), stack);
    AgentCtlRun apply = agentctl("stack", "apply", file.toString());
    assertThat(apply.exit()).as(apply.toString()).isZero();
    JsonNode application =
        JSON.readTree(
            env.kubectl(
                    "get",
                    "applications.argoproj.io",
                    "gitops-metrics",
                    "-n",
                    "argocd",
                    "-o",
                    "json")
                .assertSuccess()
                .stdout());
    JsonNode source = application.path("spec").path("source");
    assertThat(source.path("chart").asString()).isEqualTo("web");
    assertThat(source.path("targetRevision").asString()).isEqualTo("0.2.0");
    assertThat(source.path("repoURL").asString())
        .isEqualTo(repository.url().toString().replaceAll("/$", ""));
    assertThat(source.path("helm").path("values").asString()).contains("from-argo");
    assertThat(application.path("spec").path("destination").path("namespace").asString())
        .isEqualTo("monitoring");
    assertThat(
            application
                .path("spec")
                .path("syncPolicy")
                .path("automated")
                .path("selfHeal")
                .booleanValue())
        .isTrue();

    AgentCtlRun again = agentctl("stack", "apply", file.toString());
    assertThat(eventOrder(again.err())).contains("addon metrics: unchanged");

    Reply status =
        platform.request("stacks.status", JSON.createObjectNode().put("name", "gitops"), WAIT);
    JsonNode metrics = byName(status.json().path("nodes")).get("metrics");
    assertThat(metrics.path("engine").asString()).isEqualTo("argo_cd");
    // no controller has reconciled it
    assertThat(metrics.path("sync").asString()).isEqualTo("Unknown");
    assertThat(metrics.path("argo").asString()).contains("not yet reconciled");

    AgentCtlRun delete = agentctl("stack", "delete", "gitops");
    assertThat(delete.exit()).as(delete.toString()).isZero();
    // the cascade finalizer waits for a controller that is not running: the Application is being
    // deleted, and would go once Argo CD removed what it deployed
    assertThat(
            env.kubectl(
                    "get",
                    "applications.argoproj.io",
                    "gitops-metrics",
                    "-n",
                    "argocd",
                    "-o",
                    "jsonpath={.metadata.deletionTimestamp}")
                .stdout())
        .isNotBlank();
  }

  @Test
  void reconcileReportsDriftSelfHealsWhereAskedAndPrunesLeftovers() throws Exception {
    String ns = Workloads.uniqueNamespace(env, "heal");
    String stack =
        """
        name: healing
        addons:
          - name: svc
            chart_name: web
            chart_version: 0.1.0
            registry_url: %2$s
            namespace: %1$s
          - name: manual
            chart_name: web
            chart_version: 0.1.0
            registry_url: %2$s
            namespace: %1$s
            settings:
              sync_policy:
                self_heal: false
                auto_prune: false
        """
            .formatted(ns, repository.url());
    AgentCtlRun apply =
        agentctl("stack", "apply", Files.writeString(work.resolve("heal.yaml"), stack).toString());
    assertThat(apply.exit()).as(apply.toString()).isZero();

    // changed by hand: both Deployments scaled
    env.kubectl("scale", "deploy", "svc-web", "manual-web", "--replicas=4", "-n", ns)
        .assertSuccess();
    // a leftover each release owns but no longer renders
    for (String release : List.of("svc", "manual")) {
      env.kubectl("create", "configmap", release + "-leftover", "-n", ns, "--from-literal=a=b")
          .assertSuccess();
      env.kubectl(
              "label", "cm", release + "-leftover", "-n", ns, "app.kubernetes.io/managed-by=Helm")
          .assertSuccess();
      env.kubectl(
              "annotate",
              "cm",
              release + "-leftover",
              "-n",
              ns,
              "meta.helm.sh/release-name=" + release,
              "meta.helm.sh/release-namespace=" + ns)
          .assertSuccess();
    }

    JsonNode report =
        agent.streamToEnd(
            "stacks.reconcile",
            JSON.createObjectNode().put("name", "healing"),
            Duration.ofMinutes(2));
    Map<String, JsonNode> addons = byName(report.path("addons"));
    JsonNode svc = addons.get("svc");
    assertThat(svc.path("drifted").booleanValue()).as(report.toString()).isTrue();
    assertThat(svc.path("drift_resources").toString())
        .contains("\"kind\":\"Deployment\"", "\"name\":\"svc-web\"", "/spec/replicas");
    assertThat(svc.path("selfHealed").booleanValue()).isTrue();
    assertThat(svc.path("pruned").toString()).contains("svc-leftover");
    JsonNode manual = addons.get("manual");
    assertThat(manual.path("drifted").booleanValue()).isTrue();
    assertThat(manual.path("selfHealed").booleanValue()).isFalse();
    assertThat(manual.path("pruned").isEmpty()).isTrue();

    // the cluster: self-heal on restored, off left alone; pruned with auto_prune on only
    assertThat(replicas(ns, "svc-web")).isEqualTo("1");
    assertThat(replicas(ns, "manual-web")).isEqualTo("4");
    assertThat(env.kubectl("get", "cm", "svc-leftover", "-n", ns).exitCode()).isNotZero();
    assertThat(env.kubectl("get", "cm", "manual-leftover", "-n", ns).exitCode()).isZero();

    // the documented metric names, as Prometheus shows them
    MeterRegistry meters = agent.bean(MeterRegistry.class);
    assertThat(meters.get("ankra.native.release.drift.detected").counter().count()).isEqualTo(2);
    assertThat(meters.get("ankra.native.release.selfheal").counter().count()).isEqualTo(1);
    assertThat(meters.get("ankra.native.release.prune").counter().count()).isEqualTo(1);
    assertThat(meters.get("ankra.native.release.apply.duration").timers()).isNotEmpty();
  }

  private static String replicas(String ns, String deployment) {
    return env.kubectl("get", "deploy", deployment, "-n", ns, "-o", "jsonpath={.spec.replicas}")
        .stdout();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** The node events agentctl printed, as "kind name: status". */
  private static List<String> eventOrder(String stderr) {
    return stderr
        .lines()
        .map(l -> l.replaceFirst("^\\[\\d+s\\] ", ""))
        .map(l -> l.replaceFirst(" \\(.*\\)$", ""))
        .filter(l -> l.startsWith("addon ") || l.startsWith("manifest "))
        .toList();
  }

  private static Map<String, JsonNode> byName(JsonNode nodes) {
    Map<String, JsonNode> out = new java.util.HashMap<>();
    nodes.forEach(n -> out.put(n.path("name").asString(), n));
    return out;
  }

  private static String configMap(String ns, String name, String key) {
    return env.kubectl("get", "cm", name, "-n", ns, "-o", "jsonpath={.data." + key + "}").stdout();
  }

  /** Releases in {@code ns}, by when helm created their first revision. */
  private static List<String> releaseCreationOrder(String ns) {
    return env.kubectl(
            "get",
            "secrets",
            "-n",
            ns,
            "-l",
            "owner=helm",
            "--sort-by=.metadata.creationTimestamp",
            "-o",
            "jsonpath={range .items[*]}{.metadata.labels.name}{\"\\n\"}{end}")
        .stdout()
        .lines()
        .filter(l -> !l.isBlank())
        .toList();
  }

  private static AgentCtlRun agentctl(String... args) {
    return AgentCtlRun.of(env, CLUSTER, args);
  }
}
