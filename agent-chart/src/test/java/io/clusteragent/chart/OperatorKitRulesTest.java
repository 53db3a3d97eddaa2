package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's alert rules (files/prometheus-rules.yaml) through the pinned promtool: valid rules,
 * and unit tests (src/test/resources/operator-kit/prometheus-rules.test.yaml) in which every alert
 * fires on its condition and stays quiet without it.
 */
@WithTestEnvironment
class OperatorKitRulesTest {

  private static final String UNIT_TESTS = "/operator-kit/prometheus-rules.test.yaml";

  private static final Set<String> ALERTS =
      Set.of(
          "AnkraAgentDisconnectedFromNats",
          "AnkraAgentNotReady",
          "AnkraAgentCommandsFailing",
          "AnkraAgentBulkheadSaturated",
          "AnkraAgentMemoryNearLimit");

  private final TestEnvironment env;

  @TempDir Path dir;

  OperatorKitRulesTest(TestEnvironment env) {
    this.env = env;
  }

  @Test
  void promtoolAcceptsTheRulesFile() {
    CommandResult check =
        env.run(
            env.promtool().toString(), "check", "rules", OperatorKitFiles.rulesFile().toString());

    assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
    assertThat(check.stdout()).contains("SUCCESS: " + ALERTS.size() + " rules found");
  }

  @Test
  void everyAlertHasAWindowASeverityASummaryAndADescription() {
    List<Map<String, Object>> rules = OperatorKitFiles.rules();

    assertThat(rules.stream().map(rule -> (String) rule.get("alert")))
        .containsExactlyInAnyOrderElementsOf(ALERTS);
    assertThat(rules)
        .allSatisfy(rule -> {
          assertThat(rule.get("for")).as("for: of %s", rule.get("alert")).isNotNull();
          assertThat(Yamls.at(rule, "labels.severity"))
              .as("severity of %s", rule.get("alert"))
              .isIn("critical", "warning");
          assertThat(Yamls.mapAt(rule, "annotations"))
              .as("annotations of %s", rule.get("alert"))
              .containsKeys("summary", "description");
        });
  }

  @Test
  void everyAlertPassesItsPromtoolUnitTests() throws IOException {
    Path tests = besideACopyOfTheRules();

    CommandResult run = env.run(env.promtool().toString(), "test", "rules", tests.toString());

    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(run.stdout()).contains("SUCCESS");
  }

  @Test
  void theUnitTestsHaveAFiringAndANonFiringCaseForEveryAlert() {
    Map<String, Object> tests = Yamls.load(unitTests());
    List<Map<String, Object>> cases =
        Yamls.listAt(tests, "tests").stream()
            .flatMap(test -> Yamls.listAt(test, "alert_rule_test").stream())
            .toList();

    Set<String> firing = alertsWhere(cases, true);
    Set<String> quiet = alertsWhere(cases, false);

    assertThat(firing).isEqualTo(ALERTS);
    assertThat(quiet).isEqualTo(ALERTS);
  }

  @Test
  void disconnectedFromNatsFiresOnlyAfterItsWindow() {
    Map<String, Object> rule =
        OperatorKitFiles.rules().stream()
            .filter(r -> "AnkraAgentDisconnectedFromNats".equals(r.get("alert")))
            .findFirst()
            .orElseThrow();
    // the unit tests lose NATS at 3m and expect nothing at 7m and the alert at 8m: that pins the
    // window to exactly 5m, which promtool then checks both ways
    assertThat(rule.get("for")).isEqualTo("5m");
    List<Map<String, Object>> cases =
        Yamls.listAt(Yamls.load(unitTests()), "tests[0].alert_rule_test");
    assertThat(cases)
        .extracting(c -> c.get("eval_time"), c -> Yamls.listAt(c, "exp_alerts").size())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("2m", 0),
            org.assertj.core.groups.Tuple.tuple("7m", 0),
            org.assertj.core.groups.Tuple.tuple("8m", 1));
  }

  private static Set<String> alertsWhere(List<Map<String, Object>> cases, boolean fires) {
    return cases.stream()
        .filter(c -> Yamls.listAt(c, "exp_alerts").isEmpty() != fires)
        .map(c -> (String) c.get("alertname"))
        .collect(Collectors.toSet());
  }

  /** promtool resolves rule_files next to the test file. */
  private Path besideACopyOfTheRules() throws IOException {
    Files.copy(OperatorKitFiles.rulesFile(), dir.resolve("prometheus-rules.yaml"));
    Path tests = dir.resolve("prometheus-rules.test.yaml");
    Files.writeString(tests, unitTests());
    return tests;
  }

  private static String unitTests() {
    try (InputStream in = OperatorKitRulesTest.class.getResourceAsStream(UNIT_TESTS)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + UNIT_TESTS);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
