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
        | `securityContext.capabilities.drop` | `[ALL]` | |
        <!-- values-table:end -->
        """;

    assertThat(ValuesTables.readmeTable(readme))
        .containsExactly(
            entry("config.token", "\"\""), entry("securityContext.capabilities.drop", "[ALL]"));
  }

  @Test
  void malformedTsvLineIsRejected() {
    assertThatThrownBy(() -> ValuesTables.parseTsv("log_level INFO\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
