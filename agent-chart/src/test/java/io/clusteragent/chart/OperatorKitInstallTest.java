package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart installed with its ServiceMonitor, PrometheusRule and dashboard into the real test
 * cluster, which holds the Prometheus Operator's own CRDs (vendored under
 * src/test/resources/prometheus-operator-crds): the API server validates what the chart creates
 * against the operator's schemas.
 */
@WithTestEnvironment
class OperatorKitInstallTest {

  private static final String RELEASE = "ankra-agent";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final TestEnvironment env;
  private final String namespace =
      "kit-it-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);

  @TempDir Path dir;

  OperatorKitInstallTest(TestEnvironment env) {
    this.env = env;
  }

  @BeforeAll
  static void installTheOperatorsCrds(TestEnvironment env) throws URISyntaxException {
    Path crds =
        Path.of(OperatorKitInstallTest.class.getResource("/prometheus-operator-crds").toURI());
    for (String crd :
        List.of(
            "monitoring.coreos.com_servicemonitors.yaml",
            "monitoring.coreos.com_prometheusrules.yaml")) {
      env.kubectl("apply", "--server-side", "-f", crds.resolve(crd).toString()).assertSuccess();
    }
    env.kubectl(
            "wait",
            "--for",
            "condition=established",
            "--timeout",
            "60s",
            "crd/servicemonitors.monitoring.coreos.com",
            "crd/prometheusrules.monitoring.coreos.com")
        .assertSuccess();
  }

  @BeforeEach
  void createNamespace() {
    env.kubectl("create", "namespace", namespace).assertSuccess();
  }

  @AfterEach
  void removeNamespace() {
    env.helm("uninstall", RELEASE, "--namespace", namespace, "--ignore-not-found");
    env.kubectl("delete", "namespace", namespace, "--wait=false");
  }

  @Test
  void theApiServerRejectsAPrometheusRuleTheOperatorsSchemaForbids() throws Exception {
    // Control: without it, the install below would not show that the schema is enforced
    Path broken = dir.resolve("broken-rule.yaml");
    Files.writeString(
        broken,
        """
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata:
          name: broken
          namespace: %s
        spec:
          groups:
            - name: g
              rules:
                - alert: A
                  expr: vector(1)
                  for: five minutes
        """
            .formatted(namespace));

    CommandResult apply = env.kubectl("apply", "--dry-run=server", "-f", broken.toString());

    assertThat(apply.exitCode()).isNotZero();
    assertThat(apply.stderr()).contains("spec.groups[0].rules[0].for");
  }

  @Test
  void chartWithServiceMonitorRuleAndDashboardInstallsAndUninstallsCleanly() {
    env.run(
            List.of(
                env.helm().toString(),
                "install",
                RELEASE,
                ChartFiles.chartDir().toString(),
                "--namespace",
                namespace,
                "--set",
                "config.token=YOUR_UNIQUE_TOKEN",
                "--set",
                "metrics.serviceMonitor.enabled=true",
                "--set",
                "metrics.prometheusRule.enabled=true",
                "--set",
                "metrics.prometheusRule.labels.release=kube-prometheus-stack",
                "--set",
                "metrics.dashboard.enabled=true"),
            Duration.ofMinutes(3))
        .assertSuccess();

    JsonNode rule = get("prometheusrule", RELEASE);
    assertThat(rule.get("metadata").get("labels").get("release").asString())
        .isEqualTo("kube-prometheus-stack");
    assertThat(
            rule.get("spec")
                .get("groups")
                .get(0)
                .get("rules")
                .valueStream()
                .map(r -> r.get("alert").asString()))
        .containsExactlyElementsOf(
            OperatorKitFiles.rules().stream().map(r -> (String) r.get("alert")).toList());
    // what the API server stored is what the chart's file says, field for field
    assertThat(JSON.convertValue(rule.get("spec"), Map.class))
        .isEqualTo(OperatorKitFiles.rulesTree());

    JsonNode monitor = get("servicemonitor", RELEASE);
    assertThat(monitor.get("spec").get("endpoints").get(0).get("port").asString())
        .isEqualTo("http");

    JsonNode dashboard = get("configmap", RELEASE + "-dashboard");
    assertThat(dashboard.get("metadata").get("labels").get("grafana_dashboard").asString())
        .isEqualTo("1");
    assertThat(JSON.readTree(dashboard.get("data").get("ankra-agent.json").asString()))
        .isEqualTo(JSON.readTree(OperatorKitFiles.read(OperatorKitFiles.dashboardFile())));

    env.helm("uninstall", RELEASE, "--namespace", namespace, "--wait").assertSuccess();
    for (String kind : List.of("prometheusrule", "servicemonitor", "configmap")) {
      String left =
          env.kubectl(
                  "get",
                  kind,
                  "-n",
                  namespace,
                  "-l",
                  "app.kubernetes.io/instance=" + RELEASE,
                  "-o",
                  "name")
              .assertSuccess()
              .stdout()
              .strip();
      assertThat(left).as("%s left after uninstall", kind).isEmpty();
    }
  }

  private JsonNode get(String kind, String name) {
    return JSON.readTree(
        env.kubectl("get", kind, name, "-n", namespace, "-o", "json").assertSuccess().stdout());
  }
}
