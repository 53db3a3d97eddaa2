package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator's kit as helm renders it: the PrometheusRule carries the rules file, the dashboard
 * ConfigMap the dashboard file, both labelled from values and absent unless asked for.
 */
@WithTestEnvironment
class OperatorKitTemplateTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static HelmCli helm;

  @BeforeAll
  static void useTheTestEnvironmentsHelm(TestEnvironment env) {
    helm = HelmCli.of(env);
  }

  private static RenderedChart render(String... sets) {
    List<String> args = new ArrayList<>(DocumentedInstall.INLINE_TOKEN.helmArgs());
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    return helm.template(args);
  }

  @Test
  void chartWithTheWholeKitPassesStrictLint() {
    List<String> args = new ArrayList<>(DocumentedInstall.SERVICE_MONITOR.helmArgs());
    args.addAll(
        List.of(
            "--set",
            "metrics.prometheusRule.enabled=true",
            "--set",
            "metrics.dashboard.enabled=true"));

    CommandResult lint = helm.lint(args);

    assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
    assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void neitherRuleNorDashboardByDefault() {
    RenderedChart chart = render();

    assertThat(chart.has("PrometheusRule")).isFalse();
    assertThat(chart.kindsAndNames()).doesNotContain("ConfigMap/ankra-agent-dashboard");
  }

  @Test
  void prometheusRuleHoldsTheRulesFileWithTheChartsAndTheGivenLabels() {
    RenderedChart chart =
        render("metrics.prometheusRule.enabled=true", "metrics.prometheusRule.labels.release=kps");

    Map<String, Object> rule = chart.get("PrometheusRule", "ankra-agent");
    assertThat(rule.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
    assertThat(Yamls.at(rule, "metadata.namespace")).isEqualTo("ankra");
    assertThat(Yamls.mapAt(rule, "metadata.labels"))
        .containsEntry("release", "kps")
        .containsEntry("app.kubernetes.io/name", "ankra-agent")
        .containsEntry("app.kubernetes.io/instance", "ankra-agent");
    assertThat(rule.get("spec")).isEqualTo(OperatorKitFiles.rulesTree());
  }

  @Test
  void dashboardConfigMapHoldsTheDashboardWithTheSidecarLabel() {
    RenderedChart chart = render("metrics.dashboard.enabled=true");

    Map<String, Object> configMap = chart.get("ConfigMap", "ankra-agent-dashboard");
    assertThat(Yamls.mapAt(configMap, "metadata.labels"))
        .containsEntry("grafana_dashboard", "1")
        .containsEntry("app.kubernetes.io/name", "ankra-agent");
    JsonNode rendered =
        JSON.readTree((String) Yamls.mapAt(configMap, "data").get("ankra-agent.json"));
    assertThat(rendered)
        .isEqualTo(JSON.readTree(OperatorKitFiles.read(OperatorKitFiles.dashboardFile())));
  }

  @Test
  void dashboardLabelsComeFromValues() {
    RenderedChart chart =
        render(
            "metrics.dashboard.enabled=true",
            "metrics.dashboard.labels.grafana_dashboard=null",
            "metrics.dashboard.labels.team=platform");

    assertThat(Yamls.mapAt(chart.get("ConfigMap", "ankra-agent-dashboard"), "metadata.labels"))
        .containsEntry("team", "platform")
        .doesNotContainKey("grafana_dashboard");
  }

  @Test
  void valuesOfAnOlderChartWithoutTheKitRenderNeither() {
    // helm upgrade --reuse-values renders with the previous chart's values, which lack these keys
    RenderedChart chart = render("metrics.dashboard=null", "metrics.prometheusRule=null");

    assertThat(chart.has("PrometheusRule")).isFalse();
    assertThat(chart.kindsAndNames()).doesNotContain("ConfigMap/ankra-agent-dashboard");
  }

  @Test
  void dashboardHasADatasourceVariableThatEveryQueryUses() throws Exception {
    JsonNode dashboard = JSON.readTree(OperatorKitFiles.read(OperatorKitFiles.dashboardFile()));

    assertThat(dashboard.get("templating").get("list").valueStream())
        .anySatisfy(variable -> {
          assertThat(variable.get("name").asString()).isEqualTo("datasource");
          assertThat(variable.get("type").asString()).isEqualTo("datasource");
          assertThat(variable.get("query").asString()).isEqualTo("prometheus");
        });
    List<JsonNode> targets =
        dashboard
            .get("panels")
            .valueStream()
            .filter(panel -> panel.has("targets"))
            .flatMap(panel -> panel.get("targets").valueStream())
            .toList();
    assertThat(targets)
        .isNotEmpty()
        .allSatisfy(target ->
            assertThat(target.get("datasource").get("uid").asString()).isEqualTo("${datasource}"));
    assertThat(dashboard.get("panels").valueStream().map(panel -> panel.get("title").asString()))
        .contains(
            "Connected to NATS",
            "NATS reconnects and disconnects",
            "Commands by type and outcome",
            "Bulkhead saturation",
            "Live streams",
            "JVM memory");
  }
}
