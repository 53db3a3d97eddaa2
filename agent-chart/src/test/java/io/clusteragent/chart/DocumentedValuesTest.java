package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The build fails when the chart's values drift from the documentation: values.yaml against the
 * committed documented-values.tsv (always), that file against the reference docs (when ../shared is
 * present), and the chart README's values table against values.yaml.
 */
class DocumentedValuesTest {

  private static List<ValuesTables.Documented> documented() throws IOException {
    return ValuesTables.parseTsv(Files.readString(ChartFiles.documentedValuesTsv()));
  }

  private static Map<String, Object> valuesYaml() throws IOException {
    return Yamls.flatten(Yamls.load(Files.readString(ChartFiles.valuesYaml())));
  }

  @Test
  void valuesYamlHasEveryDocumentedParameterWithItsDocumentedDefault() throws IOException {
    Map<String, Object> values = valuesYaml();
    Map<String, String> expected = new LinkedHashMap<>();
    Map<String, String> actual = new LinkedHashMap<>();
    for (ValuesTables.Documented entry : documented()) {
      expected.put(entry.parameter(), entry.defaultValue());
      actual.put(
          entry.parameter(),
          values.containsKey(entry.parameter())
              ? Yamls.documentedForm(values.get(entry.parameter()))
              : "<missing from values.yaml>");
    }

    assertThat(documented().stream().filter(entry -> !entry.ours())).hasSize(30);
    assertThat(actual).containsExactlyEntriesOf(expected);
  }

  @Test
  void valuesYamlHasOnlyDocumentedParametersPlusImageAndSecurityContexts() throws IOException {
    List<String> documentedParameters =
        documented().stream().map(ValuesTables.Documented::parameter).toList();

    assertThat(valuesYaml().keySet())
        .filteredOn(parameter -> !documentedParameters.contains(parameter))
        .allMatch(
            parameter ->
                parameter.startsWith("image.")
                    || parameter.startsWith("podSecurityContext.")
                    || parameter.startsWith("securityContext."),
            "is image.*, podSecurityContext.* or securityContext.*");
  }

  @Test
  void committedTableMatchesTheReferenceDocs() throws IOException {
    Optional<Path> docsFile = ChartFiles.agentDocs();
    assumeThat(docsFile).as("reference docs at ../shared/reference/agent-docs.txt").isPresent();
    String docs = Files.readString(docsFile.orElseThrow());
    List<ValuesTables.Documented> tsv = documented();

    List<String> allValuesRows = ValuesTables.docsTableRows(docs, "All Helm Values");
    assertThat(allValuesRows).hasSizeGreaterThanOrEqualTo(20);
    assertThat(ValuesTables.docsTableMismatches(allValuesRows, tsv)).isEmpty();

    List<String> tuningRows = ValuesTables.docsTableRows(docs, "Performance Tuning");
    assertThat(tuningRows)
        .isNotEmpty()
        .allSatisfy(row ->
            assertThat(tsv)
                .as("documented-values.tsv entry for performance-tuning row '%s'", row)
                .anyMatch(entry -> ValuesTables.rowMatches(row, entry)));

    for (ValuesTables.Documented prose :
        tsv.stream().filter(ValuesTables.Documented::inProse).toList()) {
      assertThat(docs).contains(prose.parameter() + " (default " + prose.defaultValue() + ")");
    }
  }

  @Test
  void referenceRowsAreInTheFullValuesReference() throws IOException {
    Optional<Path> moreFile = ChartFiles.agentDocsMore();
    assumeThat(moreFile).as("reference docs at ../shared/reference/agent-docs-more.md").isPresent();
    String reference = Files.readString(moreFile.orElseThrow());
    for (ValuesTables.Documented row :
        documented().stream().filter(ValuesTables.Documented::inReference).toList()) {
      // a row may name two values ("`k8s_watch.reconnect_delay_ms` / `max_reconnect_delay_ms`")
      String leaf = row.parameter().substring(row.parameter().lastIndexOf('.') + 1);
      assertThat(reference)
          .as("%s in the full values reference", row.parameter())
          .containsAnyOf("`" + row.parameter() + "`", "`" + leaf + "`");
    }
  }

  @Test
  void readmeValuesTableMatchesValuesYaml() throws IOException {
    Map<String, String> fromValues = new LinkedHashMap<>();
    valuesYaml()
        .forEach((parameter, value) -> fromValues.put(parameter, Yamls.documentedForm(value)));

    Map<String, String> readme = ValuesTables.readmeTable(Files.readString(ChartFiles.readme()));

    assertThat(readme)
        .as(
            "README.md values table; rows values.yaml calls for:%n%s",
            ValuesTables.readmeRowsFor(fromValues))
        .containsExactlyEntriesOf(fromValues);
  }

  @Test
  void dockerfileBundlesTheHelmReleaseTheTestEnvironmentPins() throws IOException {
    Path repo = ChartFiles.chartDir().resolve("../../..").normalize();
    Path helmGoMod = repo.resolve("testenv/tools/helm/go.mod");
    assumeThat(helmGoMod).as("test environment helm pin").exists();

    Matcher pinned =
        Pattern.compile("(?m)^\\s*helm\\.sh/helm/v4 (v\\S+)").matcher(Files.readString(helmGoMod));
    Matcher bundled =
        Pattern.compile("(?m)^ARG HELM_VERSION=(\\S+)$")
            .matcher(Files.readString(repo.resolve("deploy/Dockerfile")));

    assertThat(pinned.find()).as("helm.sh/helm/v4 in " + helmGoMod).isTrue();
    assertThat(bundled.find()).as("ARG HELM_VERSION in deploy/Dockerfile").isTrue();
    assertThat(bundled.group(1)).isEqualTo(pinned.group(1));
  }
}
