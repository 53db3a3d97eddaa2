package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart's operator's kit against the packaged agent as it runs: a real Prometheus scrapes its
 * /metrics and loads files/prometheus-rules.yaml, and every query of files/grafana-dashboard.json,
 * every series any of them or any alert names, and every alert's measured quantity (its expression
 * without the final threshold) return data. So no panel or alert can name a metric, or a label, the
 * agent does not export. Then NATS stops, and the disconnected and not-ready alerts go pending.
 */
@WithTestEnvironment
class OperatorKitProcessIT {

  private static final String CLUSTER = "operator-kit";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** An alert expression ends in one comparison with a number: the threshold. */
  private static final Pattern THRESHOLD =
      Pattern.compile("(?s)^(.*\\S)\\s*(==|!=|>=|<=|>|<)\\s*([0-9][0-9.eE+-]*)\\s*$");

  /**
   * Grafana's variables as the dashboard's "All" choice expands them, and its rate interval at a 1s
   * scrape.
   */
  private static final Map<String, String> GRAFANA_VARIABLES =
      Map.of("$namespace", ".*", "$pod", ".*", "$__rate_interval", "1m");

  @TempDir Path dir;

  @Test
  void everyDashboardQueryAndEveryAlertReturnsDataFromARunningAgent(TestEnvironment env)
      throws Exception {
    Path chartFiles = env.repoRoot().resolve("deploy/helm/ankra-agent/files");
    Path rulesFile = chartFiles.resolve("prometheus-rules.yaml");
    JsonNode dashboard =
        JSON.readTree(Files.readString(chartFiles.resolve("grafana-dashboard.json")));
    JsonNode rules = YAMLMapper.builder().build().readTree(Files.readString(rulesFile));

    int port = PackagedAgent.freePort();
    Path output = Path.of("target", "operator-kit-agent.log");
    Process agent =
        PackagedAgent.start(
            List.of("-Xmx256m"), PackagedAgent.environment(env, CLUSTER, port), output);
    try (Connection nats = Nats.connect(env.natsUrl())) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      PackagedAgent.awaitServing(platform, agent, output);
      // commands that succeed and one that fails the way the failing-commands alert counts
      // (a chart repository nobody listens on), so agent_commands_total has both kinds of series
      assertThat(platform.request("ping", null, Duration.ofSeconds(10)).ok()).isTrue();
      Reply unreachable =
          platform.request(
              "helm.releases.diff",
              JSON.createObjectNode()
                  .put("namespace", "default")
                  .put("release", "kit")
                  .put("chart", "nothing")
                  .put("repository", "http://127.0.0.1:" + PackagedAgent.freePort()),
              Duration.ofSeconds(60));
      assertThat(unreachable.error()).isNotNull();
      assertThat(unreachable.error().code()).isEqualTo("UPSTREAM_UNAVAILABLE");

      try (PrometheusProcess prometheus =
          PrometheusProcess.start(env.prometheus(), dir, "127.0.0.1:" + port, List.of(rulesFile))) {
        awaitScrapesAndRuleEvaluations(prometheus, rules);

        Map<String, String> emptyQueries = new LinkedHashMap<>();
        Set<String> selectors = new LinkedHashSet<>();
        for (Map.Entry<String, String> query : dashboardQueries(dashboard).entrySet()) {
          String promql = query.getValue();
          if (prometheus.query(promql).isEmpty()) {
            emptyQueries.put("panel " + query.getKey(), promql);
          }
          selectors.addAll(selectors(prometheus.parse(promql)));
        }
        for (JsonNode rule : rules.get("groups").get(0).get("rules")) {
          String alert = rule.get("alert").asString();
          String expr = rule.get("expr").asString().strip();
          String measure = measure(prometheus, alert, expr);
          if (prometheus.query(measure).isEmpty()) {
            emptyQueries.put("alert " + alert + " (without its threshold)", measure);
          }
          selectors.addAll(selectors(prometheus.parse(expr)));
        }
        for (String selector : selectors) {
          if (prometheus.query(selector).isEmpty()) {
            emptyQueries.put("series " + selector, selector);
          }
        }

        assertThat(emptyQueries).as("queries that returned no data").isEmpty();
        assertThat(selectors)
            .as("series the kit reads")
            .anyMatch(s -> s.contains("agent_ready"))
            .anyMatch(s -> s.contains("agent_memory_used_bytes"))
            .anyMatch(s -> s.contains("resilience4j_bulkhead_available_concurrent_calls"));
        // the agent is connected and ready, its commands mostly succeed: nothing fires
        assertThat(prometheus.query("ALERTS")).isEmpty();

        // without NATS the agent says so, and both alerts start their window (firing takes minutes)
        env.stopNats();
        try {
          awaitPending(prometheus, Set.of("AnkraAgentDisconnectedFromNats", "AnkraAgentNotReady"));
        } finally {
          env.startNats();
        }
      }
    } finally {
      agent.destroy();
      agent.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Waits until Prometheus holds a few scrapes of the agent (a rate over them has two samples) and
   * has evaluated every alert without an error.
   */
  private static void awaitScrapesAndRuleEvaluations(PrometheusProcess prometheus, JsonNode rules)
      throws InterruptedException {
    int alerts = rules.get("groups").get(0).get("rules").size();
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String state = "";
    while (System.nanoTime() < until) {
      // samples of a successful scrape: a timed-out one counts in up, not here
      JsonNode scrapes = prometheus.query("count_over_time(agent_ready[1m])");
      List<JsonNode> evaluated =
          prometheus
              .ruleGroups()
              .get(0)
              .get("rules")
              .valueStream()
              .filter(r -> "ok".equals(r.path("health").asString()))
              .toList();
      state = "scrapes " + scrapes + ", healthy rules " + evaluated.size() + "/" + alerts;
      boolean up = !scrapes.isEmpty() && scrapes.get(0).get("value").get(1).asDouble() >= 3;
      if (up && evaluated.size() == alerts) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "Prometheus did not scrape the agent and evaluate the rules: " + state);
  }

  /** Waits until exactly these alerts are pending (their expression holds, their for: runs). */
  private static void awaitPending(PrometheusProcess prometheus, Set<String> alerts)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Set<String> pending = Set.of();
    while (System.nanoTime() < until) {
      pending =
          prometheus
              .query("ALERTS{alertstate=\"pending\"}")
              .valueStream()
              .map(alert -> alert.get("metric").get("alertname").asString())
              .collect(Collectors.toSet());
      if (pending.equals(alerts)) {
        assertThat(prometheus.query("ALERTS{alertstate=\"firing\"}")).isEmpty();
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("pending alerts " + pending + ", expected " + alerts);
  }

  /** Title (and refId) to query, with Grafana's variables expanded. */
  private static Map<String, String> dashboardQueries(JsonNode dashboard) {
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.get("expr").asString();
        for (Map.Entry<String, String> variable : GRAFANA_VARIABLES.entrySet()) {
          expr = expr.replace(variable.getKey(), variable.getValue());
        }
        assertThat(expr).as("unexpanded variable").doesNotContain("$");
        queries.put(panel.get("title").asString() + " " + target.get("refId").asString(), expr);
      }
    }
    assertThat(queries).isNotEmpty();
    return queries;
  }

  /**
   * The alert's expression without its final threshold; Prometheus' own parse must agree that the
   * expression is that quantity compared with that number.
   */
  private static String measure(PrometheusProcess prometheus, String alert, String expr) {
    Matcher threshold = THRESHOLD.matcher(expr);
    assertThat(threshold.matches()).as("%s ends with a threshold: %s", alert, expr).isTrue();
    JsonNode tree = prometheus.parse(expr);
    assertThat(tree.get("type").asString()).as(alert).isEqualTo("binaryExpr");
    assertThat(tree.get("op").asString()).as(alert).isEqualTo(threshold.group(2));
    assertThat(tree.get("rhs").get("type").asString()).as(alert).isEqualTo("numberLiteral");
    assertThat(tree.get("rhs").get("val").asDouble())
        .as(alert)
        .isEqualTo(Double.parseDouble(threshold.group(3)));
    return threshold.group(1);
  }

  /** Every series selector (instant or range) in a parsed query, as an instant query of its own. */
  private static List<String> selectors(JsonNode tree) {
    List<String> found = new ArrayList<>();
    collectSelectors(tree, found);
    return found;
  }

  private static void collectSelectors(JsonNode node, List<String> found) {
    String type = node.path("type").asString();
    if (node.isObject() && (type.equals("vectorSelector") || type.equals("matrixSelector"))) {
      found.add(
          node.get("matchers")
              .valueStream()
              .map(m ->
                  m.get("name").asString()
                      + m.get("type").asString()
                      + JSON.writeValueAsString(m.get("value").asString()))
              .collect(Collectors.joining(", ", "{", "}")));
      return;
    }
    if (node.isContainer()) {
      node.valueStream().forEach(child -> collectSelectors(child, found));
    }
  }
}
