package io.clusteragent.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The chart's alert rules and dashboard, read as the tests compare them. */
final class OperatorKitFiles {

  private OperatorKitFiles() {}

  static Path rulesFile() {
    return ChartFiles.chartDir().resolve("files/prometheus-rules.yaml");
  }

  static Path dashboardFile() {
    return ChartFiles.chartDir().resolve("files/grafana-dashboard.json");
  }

  /** The rules of every group of the rules file. */
  static List<Map<String, Object>> rules() {
    return Yamls.listAt(rulesTree(), "groups").stream()
        .flatMap(group -> Yamls.listAt(group, "rules").stream())
        .toList();
  }

  static Map<String, Object> rulesTree() {
    return Yamls.load(read(rulesFile()));
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
