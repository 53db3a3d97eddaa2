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
import java.util.Set;
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

  /**
   * The documented defaults values.yaml does not take, each with the reason. Only one: the
   * documented image is the vendor's own registry, and this chart must run the image this
   * repository builds.
   */
  static final Map<String, String> OWN_DEFAULTS =
      Map.of("image.repository", "ghcr.io/clusteragent/cluster-agent");

  /**
   * Values of this chart the documentation has no row for, by prefix: the restricted-standard
   * fields the docs' security-context summary leaves unnamed, the monitoring kit's switches, and
   * the NetworkPolicy.
   */
  static final List<String> OWN_PARAMETER_PREFIXES =
      List.of(
          "pod_security_context.",
          "security_context.",
          "metrics.dashboard.",
          "metrics.prometheusRule.",
          "network_policy.");

  @Test
  void valuesYamlHasEveryDocumentedParameterWithItsDocumentedDefault() throws IOException {
    Map<String, Object> values = valuesYaml();
    Map<String, String> expected = new LinkedHashMap<>();
    Map<String, String> actual = new LinkedHashMap<>();
    for (ValuesTables.Documented entry : documented()) {
      expected.put(
          entry.parameter(), OWN_DEFAULTS.getOrDefault(entry.parameter(), entry.defaultValue()));
      actual.put(
          entry.parameter(),
          values.containsKey(entry.parameter())
              ? Yamls.documentedForm(values.get(entry.parameter()))
              : "<missing from values.yaml>");
    }

    assertThat(expected).hasSize(57);
    assertThat(actual).containsExactlyEntriesOf(expected);
  }

  @Test
  void theImageIsTheOneDocumentedDefaultTakenOverAndTheReadmeSaysSo() throws IOException {
    assertThat(documented())
        .filteredOn(entry -> OWN_DEFAULTS.containsKey(entry.parameter()))
        .singleElement()
        .satisfies(entry -> {
          assertThat(entry.defaultValue())
              .as("still an exception: the docs' default differs from ours")
              .isEqualTo("registry.ankra.cloud/ankra/agent")
              .isNotEqualTo(OWN_DEFAULTS.get(entry.parameter()));
        });
    assertThat(Files.readString(ChartFiles.readme()))
        .contains("`registry.ankra.cloud/ankra/agent`")
        .contains("`ghcr.io/clusteragent/cluster-agent`");
  }

  @Test
  void valuesYamlHasOnlyDocumentedParametersPlusTheChartsOwn() throws IOException {
    List<String> documentedParameters =
        documented().stream().map(ValuesTables.Documented::parameter).toList();

    assertThat(valuesYaml().keySet())
        .filteredOn(parameter -> !documentedParameters.contains(parameter))
        .isNotEmpty()
        .allMatch(
            parameter -> OWN_PARAMETER_PREFIXES.stream().anyMatch(parameter::startsWith),
            "starts with one of " + OWN_PARAMETER_PREFIXES);
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
  void referenceRowsAreInTheFullValuesReferenceWithTheirDefaults() throws IOException {
    Optional<Path> moreFile = ChartFiles.agentDocsMore();
    assumeThat(moreFile).as("reference docs at ../shared/reference/agent-docs-more.md").isPresent();
    List<ValuesTables.ReferenceRow> reference =
        ValuesTables.referenceRows(Files.readString(moreFile.orElseThrow()));
    assertThat(reference).hasSizeGreaterThanOrEqualTo(15);

    for (ValuesTables.Documented row :
        documented().stream().filter(ValuesTables.Documented::inReference).toList()) {
      ValuesTables.ReferenceRow match =
          reference.stream()
              .filter(r -> r.names(row.parameter()))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError(row.parameter() + " not in the full values reference"));
      // The security contexts' default cell is a summary of several fields, not one value.
      if (!row.parameter().contains("security_context.")) {
        assertThat(match.statesDefault(row.parameter(), row.defaultValue()))
            .as("%s default %s in reference row '%s'", row.parameter(), row.defaultValue(), match)
            .isTrue();
      }
    }
  }

  /**
   * Kept at their defaults in the every-value file: the security-context fields with the one value
   * the Pod Security restricted standard accepts, and writable_volumes.enabled, which the size
   * limits need on (off is ChartTemplateTest's writableVolumesCanBeTurnedOff).
   */
  private static final Set<String> SAME_AS_DEFAULT =
      Set.of(
          "writable_volumes.enabled",
          "pod_security_context.runAsNonRoot",
          "pod_security_context.seccompProfile.type",
          "security_context.runAsNonRoot",
          "security_context.readOnlyRootFilesystem");

  @Test
  void theEveryValueFileSetsEachDocumentedParameterToSomethingElse() throws IOException {
    Map<String, Object> file =
        Yamls.flatten(Yamls.load(Files.readString(ChartFiles.everyDocumentedValueFile())));
    Map<String, Object> defaults = valuesYaml();

    for (ValuesTables.Documented entry : documented()) {
      String parameter = entry.parameter();
      // a map or list value is set through its entries (node_selector.kubernetes.io/os)
      List<Object> set =
          file.entrySet().stream()
              .filter(e -> e.getKey().equals(parameter) || e.getKey().startsWith(parameter + "."))
              .map(Map.Entry::getValue)
              .toList();
      assertThat(set).as("%s in every-documented-value.yaml", parameter).isNotEmpty();
      if (file.containsKey(parameter) && !SAME_AS_DEFAULT.contains(parameter)) {
        assertThat(file.get(parameter))
            .as("%s differs from its default", parameter)
            .isNotEqualTo(defaults.get(parameter));
      }
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
}
