package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The drift check itself catches drift: run against small hand-made docs. */
class ValuesTablesTest {

  private static final String DOCS =
      """
      All Helm Values

      ParameterDefaultDescription
      log_levelINFOLog level
      read_worker_count5Concurrent read job slots
      extra_env[]Extra environment variables
      The agent runs as a non-root container.
      """;

  private static final List<ValuesTables.Documented> TSV =
      List.of(
          new ValuesTables.Documented("log_level", "INFO", "table"),
          new ValuesTables.Documented("read_worker_count", "5", "table"),
          new ValuesTables.Documented("extra_env", "[]", "table"),
          new ValuesTables.Documented("writable_volumes.enabled", "true", "prose"));

  @Test
  void tableEndsWhereTheProseStarts() {
    assertThat(ValuesTables.docsTableRows(DOCS, "All Helm Values"))
        .containsExactly(
            "log_levelINFOLog level",
            "read_worker_count5Concurrent read job slots",
            "extra_env[]Extra environment variables");
  }

  @Test
  void matchingTableHasNoMismatches() {
    assertThat(
            ValuesTables.docsTableMismatches(
                ValuesTables.docsTableRows(DOCS, "All Helm Values"), TSV))
        .isEmpty();
  }

  @Test
  void changedDefaultInTheDocsIsReported() {
    List<String> rows =
        ValuesTables.docsTableRows(
            DOCS.replace("read_worker_count5", "read_worker_count50"), "All Helm Values");

    assertThat(ValuesTables.docsTableMismatches(rows, TSV))
        .singleElement()
        .asString()
        .contains("read_worker_count50");
  }

  @Test
  void newDocsRowIsReported() {
    List<String> rows =
        ValuesTables.docsTableRows(
            DOCS.replace("extra_env[]", "new_knobfalseSomething new\nextra_env[]"),
            "All Helm Values");

    assertThat(ValuesTables.docsTableMismatches(rows, TSV)).isNotEmpty();
  }

  @Test
  void readmeTableIsReadBetweenItsMarkers() {
    String readme =
        """
        | Parameter | Default | Description |
        |-----------|---------|-------------|
        | `outside` | `1` | not in the block |
        <!-- values-table:start -->
        | Parameter | Default | Description |
        |-----------|---------|-------------|
        | `config.token` | `""` | token |
        | `security_context.capabilities.drop` | `[ALL]` | |
        <!-- values-table:end -->
        """;

    assertThat(ValuesTables.readmeTable(readme))
        .containsExactly(
            entry("config.token", "\"\""), entry("security_context.capabilities.drop", "[ALL]"));
  }

  private static final String REFERENCE =
      """
      # facts

      ## 1. Helm values
      | Value | Default | Meaning |
      |---|---|---|
      | `k8s_watch.reconnect_delay_ms` / `max_reconnect_delay_ms` | 1000 / 30000 | backoff |
      | `image.tag` | `""` (chart appVersion) | |
      | `writable_volumes.{tmp,cache}_size_limit` | 1Gi / 4Gi | caps |
      | `node_selector`, `tolerations` | empty | |
      | `service_account.name` / `.annotations` | `ankra-agent-sa` / `{}` | |

      ## 2. Other
      | `not.a.value` | 1 | |
      """;

  @Test
  void referenceRowsResolveShorthandsAndSplitTheirDefaults() {
    List<ValuesTables.ReferenceRow> rows = ValuesTables.referenceRows(REFERENCE);

    assertThat(rows)
        .extracting(ValuesTables.ReferenceRow::parameters)
        .containsExactly(
            List.of("k8s_watch.reconnect_delay_ms", "k8s_watch.max_reconnect_delay_ms"),
            List.of("image.tag"),
            List.of("writable_volumes.tmp_size_limit", "writable_volumes.cache_size_limit"),
            List.of("node_selector", "tolerations"),
            List.of("service_account.name", "service_account.annotations"));
    assertThat(rows.get(0).statesDefault("k8s_watch.max_reconnect_delay_ms", "30000")).isTrue();
    assertThat(rows.get(0).statesDefault("k8s_watch.max_reconnect_delay_ms", "1000")).isFalse();
    assertThat(rows.get(1).statesDefault("image.tag", "\"\"")).isTrue();
    assertThat(rows.get(2).statesDefault("writable_volumes.cache_size_limit", "4Gi")).isTrue();
    assertThat(rows.get(3).statesDefault("tolerations", "[]")).isTrue();
    assertThat(rows.get(3).statesDefault("tolerations", "[a]")).isFalse();
    assertThat(rows.get(4).statesDefault("service_account.annotations", "{}")).isTrue();
    assertThat(rows.get(4).names("service_account.annotations")).isTrue();
    assertThat(rows).noneMatch(row -> row.names("not.a.value"));
  }

  @Test
  void malformedTsvLineIsRejected() {
    assertThatThrownBy(() -> ValuesTables.parseTsv("log_level INFO\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
