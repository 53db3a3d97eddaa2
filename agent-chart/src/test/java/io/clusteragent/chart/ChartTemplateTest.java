package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * helm lint and helm template of the chart for each documented install command, and the rendered
 * objects. Only helm (the pinned binary of the test environment) is used here, not the cluster.
 */
@WithTestEnvironment
class ChartTemplateTest {

  private static HelmCli helm;

  @BeforeAll
  static void useTheTestEnvironmentsHelm(TestEnvironment env) {
    helm = HelmCli.of(env);
  }

  private static List<String> args(DocumentedInstall install, String... more) {
    List<String> args = new ArrayList<>(install.helmArgs());
    args.addAll(List.of(more));
    return args;
  }

  @ParameterizedTest
  @EnumSource(DocumentedInstall.class)
  void documentedInstallPassesStrictLint(DocumentedInstall install) {
    CommandResult lint = helm.lint(install.helmArgs());

    assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
    assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @ParameterizedTest
  @EnumSource(DocumentedInstall.class)
  void documentedInstallRendersTheNamesTheDocsRelyOn(DocumentedInstall install) {
    RenderedChart chart = helm.template(install.helmArgs());

    assertThat(chart.kindsAndNames())
        .contains(
            "Deployment/ankra-agent",
            "Service/ankra-agent",
            "ServiceAccount/ankra-agent-sa",
            "ClusterRoleBinding/ankra-agent-ankra");
    for (Map<String, Object> object : chart.objects()) {
      assertThat(Yamls.mapAt(object, "metadata.labels"))
          .as("labels of %s", object.get("kind"))
          .contains(
              entry("app.kubernetes.io/name", "ankra-agent"),
              entry("app.kubernetes.io/instance", "ankra-agent"));
      if (!"ClusterRoleBinding".equals(object.get("kind"))) {
        assertThat(Yamls.at(object, "metadata.namespace"))
            .as("namespace of %s", object.get("kind"))
            .isEqualTo("ankra");
      }
    }
    assertThat(Yamls.mapAt(chart.deployment(), "spec.template.metadata.labels"))
        .containsEntry("app.kubernetes.io/name", "ankra-agent");
  }

  @Test
  void renderingWithoutAnyTokenSourceFailsWithAnExplanation() {
    CommandResult result =
        helm.run(
            "template", "ankra-agent", ChartFiles.chartDir().toString(), "--namespace", "ankra");

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("config.token").contains("config.existing_secret_name");
  }

  @Test
  void inlineTokenIsStoredInSecretAnkraAgentUnderKeyTokenAndMountedAsAFile() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    Map<String, Object> secret = chart.get("Secret", "ankra-agent");
    String token = (String) Yamls.at(secret, "data.token");
    assertThat(new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8))
        .isEqualTo("YOUR_UNIQUE_TOKEN");
    assertThat(Yamls.mapAt(secret, "data")).containsOnlyKeys("token");

    Map<String, Object> tokenVolume = volume(chart, "token");
    assertThat(Yamls.at(tokenVolume, "secret.secretName")).isEqualTo("ankra-agent");
    assertThat(Yamls.listAt(tokenVolume, "secret.items"))
        .containsExactly(Map.of("key", "token", "path", "token"));
    assertThat(mount(chart, "token"))
        .containsEntry("mountPath", "/var/run/secrets/ankra-agent")
        .containsEntry("readOnly", true);
    assertThat(chart.env()).containsEntry("AGENT_TOKEN_FILE", "/var/run/secrets/ankra-agent/token");
    assertThat(chart.env().values())
        .as("the token never travels in the environment")
        .doesNotContain("YOUR_UNIQUE_TOKEN");
  }

  @Test
  void existingSecretIsUsedAndNoSecretIsCreated() {
    RenderedChart chart = helm.template(DocumentedInstall.EXISTING_SECRET.helmArgs());

    assertThat(chart.has("Secret")).isFalse();
    assertThat(Yamls.at(volume(chart, "token"), "secret.secretName"))
        .isEqualTo("ankra-agent-secret");
    assertThat(Yamls.listAt(volume(chart, "token"), "secret.items"))
        .containsExactly(Map.of("key", "token", "path", "token"));
    assertThat(chart.env()).containsEntry("AGENT_TOKEN_FILE", "/var/run/secrets/ankra-agent/token");
  }

  @Test
  void existingSecretWithAnotherKeyMountsThatKey() {
    RenderedChart chart =
        helm.template(
            List.of(
                "--set",
                "config.existing_secret_name=vault-synced",
                "--set",
                "config.secret_key=agent-token"));

    assertThat(Yamls.at(volume(chart, "token"), "secret.secretName")).isEqualTo("vault-synced");
    assertThat(Yamls.listAt(volume(chart, "token"), "secret.items"))
        .containsExactly(Map.of("key", "agent-token", "path", "agent-token"));
    assertThat(chart.env())
        .containsEntry("AGENT_TOKEN_FILE", "/var/run/secrets/ankra-agent/agent-token");
  }

  @Test
  void existingSecretWithoutKeyDefaultsToKeyToken() {
    RenderedChart chart =
        helm.template(List.of("--set", "config.existing_secret_name=ankra-agent-secret"));

    assertThat(Yamls.listAt(volume(chart, "token"), "secret.items"))
        .containsExactly(Map.of("key", "token", "path", "token"));
  }

  @Test
  void defaultsReachTheAgentAsItsEnvironmentContract() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(chart.env())
        .containsExactly(
            entry("AGENT_ANKRA_URL", "https://platform.ankra.app"),
            entry("AGENT_TOKEN_FILE", "/var/run/secrets/ankra-agent/token"),
            entry("AGENT_LOG_LEVEL", "INFO"),
            entry("AGENT_NATS_WORKER_MAX_WORKERS", "15"),
            entry("AGENT_READ_WORKER_COUNT", "5"),
            entry("AGENT_WRITE_WORKER_COUNT", "5"),
            entry("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "590"),
            entry("AGENT_PUBLIC_IP_REPORTING_ENABLED", "false"),
            entry("AGENT_PUBLIC_IP_LOOKUP_URL", "https://api.ipify.org?format=json"),
            entry("AGENT_PUBLIC_IP_REFRESH_SECONDS", "3600"),
            entry("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "5"),
            entry("AGENT_K8S_WATCH_ENABLED", "true"),
            entry("AGENT_K8S_WATCH_BATCH_SIZE", "20"),
            entry("AGENT_K8S_WATCH_BATCH_TIMEOUT_MS", "500"),
            entry("AGENT_K8S_WATCH_RECONNECT_DELAY_MS", "1000"),
            entry("AGENT_K8S_WATCH_MAX_RECONNECT_DELAY_MS", "30000"),
            entry("AGENT_K8S_WATCH_MAX_EVENTS_PER_SEC", "500"),
            entry("AGENT_K8S_WATCH_STRIP_FIELDS", "true"),
            entry("AGENT_K8S_WATCH_TIMEOUT_SECONDS", "300"),
            entry("AGENT_K8S_WATCH_REDACT_SECRETS", "true"),
            entry("HOME", "/home/agent"),
            entry("POD_NAME", null),
            entry("POD_NAMESPACE", null));
    List<Map<String, Object>> env = Yamls.listAt(chart.agentContainer(), "env");
    assertThat(env)
        .contains(
            Map.of(
                "name",
                "POD_NAME",
                "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))),
            Map.of(
                "name",
                "POD_NAMESPACE",
                "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "metadata.namespace"))));
    assertThat(Yamls.at(chart.deployment(), "spec.replicas")).isEqualTo(1);
    assertThat(Yamls.at(chart.podSpec(), "terminationGracePeriodSeconds")).isEqualTo(600);
  }

  @Test
  void everyValueOverrideReachesItsVariable() {
    RenderedChart chart =
        helm.template(
            List.of(
                "--set",
                "config.token=t",
                "--set",
                "config.ankra_url=https://platform.example.test",
                "--set",
                "log_level=DEBUG",
                "--set",
                "read_worker_count=7",
                "--set",
                "write_worker_count=2",
                "--set",
                "replica_count=3",
                "--set",
                "public_ip.lookup_url=https://ip.example.test/",
                "--set",
                "public_ip.refresh_seconds=60",
                "--set",
                "public_ip.lookup_timeout_seconds=2",
                "--set",
                "k8s_watch.enabled=false",
                "--set",
                "k8s_watch.batch_size=5",
                "--set",
                "k8s_watch.max_events_per_sec=50",
                "--set",
                "k8s_watch.redact_secrets=false",
                "--set",
                "k8s_watch.dynamic_discovery=true"));

    assertThat(chart.env())
        .contains(
            entry("AGENT_ANKRA_URL", "https://platform.example.test"),
            entry("AGENT_LOG_LEVEL", "DEBUG"),
            entry("AGENT_READ_WORKER_COUNT", "7"),
            entry("AGENT_WRITE_WORKER_COUNT", "2"),
            entry("AGENT_PUBLIC_IP_LOOKUP_URL", "https://ip.example.test/"),
            entry("AGENT_PUBLIC_IP_REFRESH_SECONDS", "60"),
            entry("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "2"),
            entry("AGENT_K8S_WATCH_ENABLED", "false"),
            entry("AGENT_K8S_WATCH_BATCH_SIZE", "5"),
            entry("AGENT_K8S_WATCH_MAX_EVENTS_PER_SEC", "50"),
            entry("AGENT_K8S_WATCH_REDACT_SECRETS", "false"),
            entry("AGENT_DYNAMIC_API_DISCOVERY_ENABLED", "true"));
    assertThat(Yamls.at(chart.deployment(), "spec.replicas")).isEqualTo(3);
  }

  @Test
  void largeClusterExampleRaisesWorkersAndMemory() {
    RenderedChart chart = helm.template(DocumentedInstall.LARGE_CLUSTER.helmArgs());

    assertThat(chart.env()).containsEntry("AGENT_NATS_WORKER_MAX_WORKERS", "25");
    assertThat(Yamls.mapAt(chart.agentContainer(), "resources"))
        .isEqualTo(
            Map.of(
                "limits", Map.of("memory", "1Gi"),
                "requests", Map.of("memory", "512Mi", "cpu", "200m")));
  }

  @Test
  void defaultResourcesAreTheDocumentedOnes() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(Yamls.mapAt(chart.agentContainer(), "resources"))
        .isEqualTo(
            Map.of(
                "limits", Map.of("memory", "512Mi"),
                "requests", Map.of("memory", "256Mi", "cpu", "200m")));
  }

  @Test
  void publicIpReportingExampleTurnsReportingOnWithTheDefaultLookup() {
    RenderedChart chart = helm.template(DocumentedInstall.PUBLIC_IP_REPORTING.helmArgs());

    assertThat(chart.env())
        .containsEntry("AGENT_PUBLIC_IP_REPORTING_ENABLED", "true")
        .containsEntry("AGENT_PUBLIC_IP_LOOKUP_URL", "https://api.ipify.org?format=json");
  }

  @Test
  void serviceMonitorScrapesMetricsOnTheHttpPortOfTheAgentService() {
    RenderedChart chart = helm.template(DocumentedInstall.SERVICE_MONITOR.helmArgs());

    Map<String, Object> monitor = chart.get("ServiceMonitor", "ankra-agent");
    assertThat(monitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
    assertThat(Yamls.listAt(monitor, "spec.endpoints"))
        .singleElement()
        .satisfies(endpoint ->
            assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/metrics"));
    assertThat(Yamls.at(monitor, "spec.namespaceSelector.matchNames")).isEqualTo(List.of("ankra"));
    Map<String, Object> serviceLabels =
        Yamls.mapAt(chart.get("Service", "ankra-agent"), "metadata.labels");
    assertThat(serviceLabels)
        .containsAllEntriesOf(Yamls.mapAt(monitor, "spec.selector.matchLabels"));
  }

  @Test
  void noServiceMonitorByDefault() {
    assertThat(helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs()).has("ServiceMonitor"))
        .isFalse();
  }

  @Test
  void serviceExposesHealthOnPort8080NamedHttpAndSelectsTheAgentPods() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    Map<String, Object> service = chart.get("Service", "ankra-agent");
    assertThat(Yamls.listAt(service, "spec.ports"))
        .singleElement()
        .satisfies(port ->
            assertThat(port)
                .containsEntry("name", "http")
                .containsEntry("port", 8080)
                .containsEntry("targetPort", "http"));
    assertThat(Yamls.listAt(chart.agentContainer(), "ports"))
        .singleElement()
        .satisfies(port ->
            assertThat(port).containsEntry("name", "http").containsEntry("containerPort", 8080));
    Map<String, Object> podLabels =
        Yamls.mapAt(chart.deployment(), "spec.template.metadata.labels");
    assertThat(podLabels).containsAllEntriesOf(Yamls.mapAt(service, "spec.selector"));
    assertThat(podLabels)
        .containsAllEntriesOf(Yamls.mapAt(chart.deployment(), "spec.selector.matchLabels"));
  }

  @Test
  void probesUseLivezAndReadyzOnTheHttpPort() {
    Map<String, Object> container =
        helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs()).agentContainer();

    assertThat(Yamls.mapAt(container, "livenessProbe.httpGet"))
        .isEqualTo(Map.of("path", "/livez", "port", "http"));
    assertThat(Yamls.mapAt(container, "readinessProbe.httpGet"))
        .isEqualTo(Map.of("path", "/readyz", "port", "http"));
    assertThat(Yamls.mapAt(container, "startupProbe.httpGet"))
        .isEqualTo(Map.of("path", "/livez", "port", "http"));
  }

  @Test
  void serviceAccountIsBoundToClusterAdmin() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    Map<String, Object> binding = chart.get("ClusterRoleBinding", "ankra-agent-ankra");
    assertThat(Yamls.mapAt(binding, "roleRef"))
        .isEqualTo(
            Map.of(
                "apiGroup",
                "rbac.authorization.k8s.io",
                "kind",
                "ClusterRole",
                "name",
                "cluster-admin"));
    assertThat(Yamls.listAt(binding, "subjects"))
        .containsExactly(
            Map.of("kind", "ServiceAccount", "name", "ankra-agent-sa", "namespace", "ankra"));
    assertThat(Yamls.at(chart.podSpec(), "serviceAccountName")).isEqualTo("ankra-agent-sa");
  }

  @Test
  void installsInTwoNamespacesGetDistinctClusterRoleBindings() {
    RenderedChart first =
        helm.template("ankra-agent", "team-a", DocumentedInstall.INLINE_TOKEN.helmArgs());
    RenderedChart second =
        helm.template("ankra-agent", "team-b", DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(first.kindsAndNames()).contains("ClusterRoleBinding/ankra-agent-team-a");
    assertThat(second.kindsAndNames()).contains("ClusterRoleBinding/ankra-agent-team-b");
  }

  @Test
  void objectNamesStayFixedWhateverTheReleaseName() {
    RenderedChart chart =
        helm.template("agent-prod", "ankra", DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(chart.kindsAndNames())
        .containsExactlyInAnyOrder(
            "Secret/ankra-agent",
            "ServiceAccount/ankra-agent-sa",
            "ClusterRoleBinding/ankra-agent-ankra",
            "Service/ankra-agent",
            "Deployment/ankra-agent");
    assertThat(Yamls.mapAt(chart.deployment(), "spec.template.metadata.labels"))
        .containsEntry("app.kubernetes.io/name", "ankra-agent")
        .containsEntry("app.kubernetes.io/instance", "agent-prod");
  }

  @Test
  void securityContextMeetsTheRestrictedStandard() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(Yamls.mapAt(chart.podSpec(), "securityContext"))
        .isEqualTo(
            Map.of(
                "runAsNonRoot",
                true,
                "runAsUser",
                1000,
                "runAsGroup",
                1000,
                "fsGroup",
                1000,
                "seccompProfile",
                Map.of("type", "RuntimeDefault")));
    assertThat(Yamls.mapAt(chart.agentContainer(), "securityContext"))
        .isEqualTo(
            Map.of(
                "runAsNonRoot",
                true,
                "runAsUser",
                1000,
                "runAsGroup",
                1000,
                "readOnlyRootFilesystem",
                true,
                "allowPrivilegeEscalation",
                false,
                "capabilities",
                Map.of("drop", List.of("ALL")),
                "seccompProfile",
                Map.of("type", "RuntimeDefault")));
  }

  @Test
  void writableVolumesAreEmptyDirsAtTmpCacheAndConfigByDefault() {
    RenderedChart chart = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(mount(chart, "tmp")).containsEntry("mountPath", "/tmp");
    assertThat(mount(chart, "cache")).containsEntry("mountPath", "/home/agent/.cache");
    assertThat(mount(chart, "config")).containsEntry("mountPath", "/home/agent/.config");
    assertThat(volume(chart, "tmp")).containsEntry("emptyDir", Map.of("sizeLimit", "1Gi"));
    assertThat(volume(chart, "cache")).containsEntry("emptyDir", Map.of("sizeLimit", "4Gi"));
    assertThat(volume(chart, "config")).containsEntry("emptyDir", Map.of("sizeLimit", "16Mi"));
    assertThat(chart.env()).containsEntry("HOME", "/home/agent");
  }

  @Test
  void writableVolumesCanBeTurnedOff() {
    RenderedChart chart =
        helm.template(
            args(DocumentedInstall.INLINE_TOKEN, "--set", "writable_volumes.enabled=false"));

    assertThat(Yamls.listAt(chart.podSpec(), "volumes"))
        .extracting(v -> v.get("name"))
        .containsExactly("token");
    assertThat(Yamls.listAt(chart.agentContainer(), "volumeMounts"))
        .extracting(v -> v.get("name"))
        .containsExactly("token");
  }

  @Test
  void extraEnvIsAppendedVerbatimAfterTheChartsVariables() {
    RenderedChart chart =
        helm.template(
            args(
                DocumentedInstall.INLINE_TOKEN,
                "--set",
                "extra_env[0].name=KUBERNETES_REQUEST_MAX_ATTEMPTS",
                "--set-string",
                "extra_env[0].value=5",
                "--set",
                "extra_env[1].name=NODE_NAME",
                "--set",
                "extra_env[1].valueFrom.fieldRef.fieldPath=spec.nodeName"));

    List<Map<String, Object>> env = Yamls.listAt(chart.agentContainer(), "env");
    assertThat(env.subList(env.size() - 2, env.size()))
        .containsExactly(
            Map.of("name", "KUBERNETES_REQUEST_MAX_ATTEMPTS", "value", "5"),
            Map.of(
                "name",
                "NODE_NAME",
                "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "spec.nodeName"))));
    assertThat(chart.envNames()).startsWith("AGENT_ANKRA_URL");
  }

  @Test
  void shutdownGracePeriodLeavesTenSecondsBeforeTheKillAndNeverDropsBelowOne() {
    assertThat(
            helm.template(
                    args(
                        DocumentedInstall.INLINE_TOKEN,
                        "--set",
                        "terminationGracePeriodSeconds=30"))
                .env())
        .containsEntry("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "20");
    RenderedChart shortGrace =
        helm.template(
            args(DocumentedInstall.INLINE_TOKEN, "--set", "terminationGracePeriodSeconds=5"));
    assertThat(shortGrace.env()).containsEntry("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "1");
    assertThat(Yamls.at(shortGrace.podSpec(), "terminationGracePeriodSeconds")).isEqualTo(5);
  }

  @Test
  void podChecksumFollowsTheTokenSource() {
    String tokenA =
        helm.template(List.of("--set", "config.token=a")).podAnnotation("checksum/secret");
    String tokenAAgain =
        helm.template(List.of("--set", "config.token=a")).podAnnotation("checksum/secret");
    String tokenB =
        helm.template(List.of("--set", "config.token=b")).podAnnotation("checksum/secret");
    String existing =
        helm.template(List.of("--set", "config.existing_secret_name=s"))
            .podAnnotation("checksum/secret");
    String existingOtherKey =
        helm.template(
                List.of("--set", "config.existing_secret_name=s", "--set", "config.secret_key=k"))
            .podAnnotation("checksum/secret");

    assertThat(tokenA).matches("[0-9a-f]{64}").isEqualTo(tokenAAgain);
    assertThat(List.of(tokenA, tokenB, existing, existingOtherKey)).doesNotHaveDuplicates();
  }

  @Test
  void imageDefaultsToTheChartAppVersionAndCanBeOverridden() {
    assertThat(helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs()).agentContainer())
        .containsEntry("image", "ghcr.io/clusteragent/cluster-agent:2.0.0")
        .containsEntry("imagePullPolicy", "Always");
    assertThat(helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs()).podSpec())
        .doesNotContainKey("imagePullSecrets");
    assertThat(
            helm.template(
                    args(
                        DocumentedInstall.INLINE_TOKEN,
                        "--set",
                        "image.repository=registry.example.test/agent",
                        "--set",
                        "image.tag=2.0.7",
                        "--set",
                        "image.pull_policy=IfNotPresent"))
                .agentContainer())
        .containsEntry("image", "registry.example.test/agent:2.0.7")
        .containsEntry("imagePullPolicy", "IfNotPresent");
  }

  @Test
  void valuesMissingFromAnOlderChartFallBackToTheRestrictedDefaults() {
    // helm upgrade --reuse-values renders with the previous chart's values.yaml; keys this chart
    // added
    // are then absent, which "--set key=null" reproduces (helm drops null keys).
    RenderedChart chart =
        helm.template(
            args(
                DocumentedInstall.INLINE_TOKEN,
                "--set",
                "pod_security_context=null",
                "--set",
                "security_context=null",
                "--set",
                "writable_volumes=null",
                "--set",
                "metrics=null",
                "--set",
                "image.pull_policy=null",
                "--set",
                "image.pull_secrets=null",
                "--set",
                "node_selector=null",
                "--set",
                "tolerations=null",
                "--set",
                "affinity=null",
                "--set",
                "topologySpreadConstraints=null",
                "--set",
                "pod_annotations=null",
                "--set",
                "service_account=null",
                "--set",
                "service=null",
                "--set",
                "network_policy=null"));
    RenderedChart defaults = helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs());

    assertThat(chart.objects()).containsExactlyInAnyOrderElementsOf(defaults.objects());
    assertThat(chart.has("ServiceMonitor")).isFalse();
  }

  @Test
  void aValuesFileSettingEveryDocumentedValueChangesWhatEachValueIsFor() {
    RenderedChart chart =
        helm.template(List.of("-f", ChartFiles.everyDocumentedValueFile().toString()));

    assertThat(chart.env())
        .contains(
            entry("AGENT_ANKRA_URL", "https://platform.example.test"),
            entry("AGENT_TOKEN_FILE", "/var/run/secrets/ankra-agent/agent-key"),
            entry("AGENT_LOG_LEVEL", "WARNING"),
            entry("AGENT_NATS_WORKER_MAX_WORKERS", "25"),
            entry("AGENT_READ_WORKER_COUNT", "7"),
            entry("AGENT_WRITE_WORKER_COUNT", "3"),
            entry("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "110"),
            entry("AGENT_PUBLIC_IP_REPORTING_ENABLED", "true"),
            entry("AGENT_PUBLIC_IP_LOOKUP_URL", "https://ip.example.test/json"),
            entry("AGENT_PUBLIC_IP_REFRESH_SECONDS", "600"),
            entry("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "2"),
            entry("AGENT_K8S_WATCH_ENABLED", "false"),
            entry("AGENT_K8S_WATCH_BATCH_SIZE", "50"),
            entry("AGENT_K8S_WATCH_BATCH_TIMEOUT_MS", "250"),
            entry("AGENT_K8S_WATCH_RECONNECT_DELAY_MS", "2000"),
            entry("AGENT_K8S_WATCH_MAX_RECONNECT_DELAY_MS", "60000"),
            entry("AGENT_K8S_WATCH_MAX_EVENTS_PER_SEC", "100"),
            entry("AGENT_K8S_WATCH_STRIP_FIELDS", "false"),
            entry("AGENT_K8S_WATCH_TIMEOUT_SECONDS", "120"),
            entry("AGENT_K8S_WATCH_REDACT_SECRETS", "false"),
            entry("AGENT_DYNAMIC_API_DISCOVERY_ENABLED", "true"),
            entry("KUBERNETES_REQUEST_MAX_ATTEMPTS", "5"));
    assertThat(chart.has("Secret")).as("existing_secret_name wins over config.token").isFalse();
    assertThat(Yamls.at(volume(chart, "token"), "secret.secretName")).isEqualTo("agent-token");
    assertThat(Yamls.at(chart.deployment(), "spec.replicas")).isEqualTo(2);
    assertThat(Yamls.at(chart.podSpec(), "terminationGracePeriodSeconds")).isEqualTo(120);
    assertThat(Yamls.mapAt(chart.agentContainer(), "resources"))
        .isEqualTo(
            Map.of(
                "limits", Map.of("memory", "1Gi"),
                "requests", Map.of("memory", "512Mi", "cpu", "500m")));

    assertThat(chart.agentContainer())
        .containsEntry("image", "registry.example.test/agent:2.0.7")
        .containsEntry("imagePullPolicy", "IfNotPresent");
    assertThat(Yamls.listAt(chart.podSpec(), "imagePullSecrets"))
        .containsExactly(Map.of("name", "regcred"));
    assertThat(Yamls.at(chart.podSpec(), "securityContext.runAsUser")).isEqualTo(2000);
    assertThat(Yamls.mapAt(chart.agentContainer(), "securityContext"))
        .containsEntry("runAsUser", 2000)
        .containsEntry("capabilities", Map.of("drop", List.of("ALL", "NET_RAW")))
        .containsEntry(
            "seccompProfile", Map.of("type", "Localhost", "localhostProfile", "agent.json"));
    assertThat(volume(chart, "tmp")).containsEntry("emptyDir", Map.of("sizeLimit", "2Gi"));
    assertThat(volume(chart, "cache")).containsEntry("emptyDir", Map.of("sizeLimit", "8Gi"));
    assertThat(volume(chart, "config")).containsEntry("emptyDir", Map.of("sizeLimit", "32Mi"));

    assertThat(Yamls.mapAt(chart.podSpec(), "nodeSelector"))
        .isEqualTo(Map.of("kubernetes.io/os", "linux"));
    assertThat(Yamls.listAt(chart.podSpec(), "tolerations"))
        .containsExactly(
            Map.of(
                "key",
                "dedicated",
                "operator",
                "Equal",
                "value",
                "agents",
                "effect",
                "NoSchedule"));
    assertThat(
            Yamls.at(
                chart.podSpec(),
                "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                    + ".nodeSelectorTerms[0].matchExpressions[0].values"))
        .isEqualTo(List.of("amd64"));
    assertThat(Yamls.listAt(chart.podSpec(), "topologySpreadConstraints"))
        .singleElement()
        .satisfies(constraint ->
            assertThat(constraint).containsEntry("topologyKey", "kubernetes.io/hostname"));
    assertThat(chart.podAnnotation("example.test/team")).isEqualTo("platform");
    assertThat(chart.podAnnotation("checksum/secret")).matches("[0-9a-f]{64}");

    assertThat(Yamls.at(chart.podSpec(), "serviceAccountName")).isEqualTo("agent-identity");
    assertThat(Yamls.mapAt(chart.get("ServiceAccount", "agent-identity"), "metadata.annotations"))
        .isEqualTo(Map.of("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/agent"));
    assertThat(Yamls.listAt(chart.get("ClusterRoleBinding", "ankra-agent-ankra"), "subjects"))
        .containsExactly(
            Map.of("kind", "ServiceAccount", "name", "agent-identity", "namespace", "ankra"));

    Map<String, Object> service = chart.get("Service", "ankra-agent");
    assertThat(Yamls.at(service, "spec.type")).isEqualTo("NodePort");
    assertThat(Yamls.listAt(service, "spec.ports"))
        .containsExactly(
            Map.of("name", "http", "port", 9090, "targetPort", "http", "protocol", "TCP"));

    Map<String, Object> monitor = chart.get("ServiceMonitor", "ankra-agent");
    assertThat(Yamls.mapAt(monitor, "metadata.labels"))
        .containsEntry("release", "kube-prometheus-stack")
        .containsEntry("app.kubernetes.io/name", "ankra-agent");
    assertThat(Yamls.listAt(monitor, "spec.endpoints"))
        .singleElement()
        .satisfies(endpoint ->
            assertThat(endpoint)
                .containsEntry("interval", "1m")
                .containsEntry("scrapeTimeout", "15s"));
  }

  @Test
  void serviceMonitorScrapesEvery30sWithA10sTimeoutByDefault() {
    Map<String, Object> monitor =
        helm.template(DocumentedInstall.SERVICE_MONITOR.helmArgs())
            .get("ServiceMonitor", "ankra-agent");

    assertThat(Yamls.listAt(monitor, "spec.endpoints"))
        .singleElement()
        .satisfies(endpoint ->
            assertThat(endpoint)
                .containsEntry("interval", "30s")
                .containsEntry("scrapeTimeout", "10s"));
  }

  @Test
  void pullSecretsAcceptPlainNamesAndTheKubernetesForm() {
    RenderedChart chart =
        helm.template(
            args(
                DocumentedInstall.INLINE_TOKEN,
                "--set",
                "image.pull_secrets[0]=regcred",
                "--set",
                "image.pull_secrets[1].name=mirror"));

    assertThat(Yamls.listAt(chart.podSpec(), "imagePullSecrets"))
        .containsExactly(Map.of("name", "regcred"), Map.of("name", "mirror"));
  }

  @Test
  void podDisruptionBudgetOnlyAboveOneReplicaKeepingOneAgentPodUp() {
    assertThat(helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs()).has("PodDisruptionBudget"))
        .as("one replica: a budget would block every node drain")
        .isFalse();

    RenderedChart chart =
        helm.template(args(DocumentedInstall.INLINE_TOKEN, "--set", "replica_count=2"));
    Map<String, Object> budget = chart.get("PodDisruptionBudget", "ankra-agent");
    assertThat(budget.get("apiVersion")).isEqualTo("policy/v1");
    assertThat(Yamls.at(budget, "spec.minAvailable")).isEqualTo(1);
    assertThat(Yamls.mapAt(budget, "spec.selector.matchLabels"))
        .isEqualTo(Yamls.mapAt(chart.deployment(), "spec.selector.matchLabels"));
  }

  @Test
  void noNetworkPolicyByDefault() {
    assertThat(helm.template(DocumentedInstall.INLINE_TOKEN.helmArgs()).has("NetworkPolicy"))
        .isFalse();
  }

  @Test
  void networkPolicyAllowsOnlyTheAgentsOwnTraffic() {
    RenderedChart chart =
        helm.template(
            args(
                DocumentedInstall.INLINE_TOKEN,
                "--set",
                "network_policy.enabled=true",
                "--set",
                "network_policy.api_server.cidrs[0]=10.0.0.1/32",
                "--set",
                "network_policy.platform.cidrs[0]=203.0.113.0/24",
                "--set",
                "network_policy.nats.cidrs[0]=198.51.100.7/32",
                "--set",
                "network_policy.extra_egress[0].ports[0].port=5000"));

    Map<String, Object> policy = chart.get("NetworkPolicy", "ankra-agent");
    assertThat(Yamls.mapAt(policy, "spec.podSelector.matchLabels"))
        .isEqualTo(Yamls.mapAt(chart.deployment(), "spec.selector.matchLabels"));
    assertThat(Yamls.at(policy, "spec.policyTypes")).isEqualTo(List.of("Ingress", "Egress"));
    assertThat(Yamls.listAt(policy, "spec.ingress"))
        .containsExactly(Map.of("ports", List.of(Map.of("protocol", "TCP", "port", 8080))));
    assertThat(Yamls.listAt(policy, "spec.egress"))
        .containsExactly(
            egress("10.0.0.1/32", 443, 6443),
            Map.of(
                "ports",
                List.of(
                    Map.of("protocol", "UDP", "port", 53), Map.of("protocol", "TCP", "port", 53))),
            egress("203.0.113.0/24", 443),
            egress("198.51.100.7/32", 4222),
            Map.of("ports", List.of(Map.of("port", 5000))));
  }

  @Test
  void networkPolicyWithoutApiServerAddressesFailsWhereTheClusterCannotBeAsked() {
    CommandResult result =
        helm.run(
            "template",
            "ankra-agent",
            ChartFiles.chartDir().toString(),
            "--namespace",
            "ankra",
            "--set",
            "config.token=t",
            "--set",
            "network_policy.enabled=true");

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("network_policy.api_server.cidrs");
  }

  private static Map<String, Object> egress(String cidr, int... ports) {
    List<Map<String, Object>> portList = new ArrayList<>();
    for (int port : ports) {
      portList.add(Map.of("protocol", "TCP", "port", port));
    }
    return Map.of("to", List.of(Map.of("ipBlock", Map.of("cidr", cidr))), "ports", portList);
  }

  private static Map<String, Object> volume(RenderedChart chart, String name) {
    return Yamls.listAt(chart.podSpec(), "volumes").stream()
        .filter(v -> name.equals(v.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static Map<String, Object> mount(RenderedChart chart, String name) {
    return Yamls.listAt(chart.agentContainer(), "volumeMounts").stream()
        .filter(v -> name.equals(v.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volumeMount " + name));
  }
}
