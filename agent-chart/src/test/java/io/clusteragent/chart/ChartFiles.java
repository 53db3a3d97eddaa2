package io.clusteragent.chart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the chart and the reference documentation are, seen from this module's tests. */
final class ChartFiles {

  private ChartFiles() {}

  /**
   * deploy/helm/ankra-agent; surefire passes its absolute path, the fallback covers IDE runs from
   * the module dir.
   */
  static Path chartDir() {
    Path dir =
        Path.of(System.getProperty("chart.dir", "../deploy/helm/ankra-agent"))
            .toAbsolutePath()
            .normalize();
    if (!Files.isRegularFile(dir.resolve("Chart.yaml"))) {
      throw new IllegalStateException("chart not found at " + dir);
    }
    return dir;
  }

  static Path valuesYaml() {
    return chartDir().resolve("values.yaml");
  }

  static Path readme() {
    return chartDir().resolve("README.md");
  }

  /** The repository's own README, whose operator section OperatorGuideTest runs. */
  static Path projectReadme() {
    return chartDir().resolve("../../../README.md").normalize();
  }

  /** The test values file that sets every documented value to something other than its default. */
  static Path everyDocumentedValueFile() {
    try {
      return Path.of(ChartFiles.class.getResource("/every-documented-value.yaml").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path valuesSchema() {
    return chartDir().resolve("values.schema.json");
  }

  static Path documentedValuesTsv() {
    return chartDir().resolve("documented-values.tsv");
  }

  /**
   * The reference docs live outside the repository (CI checks out shared/ beside the clone, i.e.
   * repo/../shared). Empty when they are not there; the committed documented-values.tsv still
   * applies.
   */
  /** The sister pages' facts, full values reference in section 1; absent outside the workspace. */
  static Optional<Path> agentDocsMore() {
    Path docs =
        Path.of(System.getProperty("agent.docs.more", "../../shared/reference/agent-docs-more.md"))
            .toAbsolutePath()
            .normalize();
    return Files.isRegularFile(docs) ? Optional.of(docs) : Optional.empty();
  }

  static Optional<Path> agentDocs() {
    Path docs =
        Path.of(System.getProperty("agent.docs", "../../shared/reference/agent-docs.txt"))
            .toAbsolutePath()
            .normalize();
    return Files.isRegularFile(docs) ? Optional.of(docs) : Optional.empty();
  }
}
