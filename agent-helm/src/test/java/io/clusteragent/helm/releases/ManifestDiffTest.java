package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ManifestDiffTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String DEPLOYED =
      """
      ---
      # Source: web/templates/configmap.yaml
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: web-greeting
      data:
        greeting: "hello"
        other: "same"
      ---
      # Source: web/templates/extra.yaml
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: web-extra
        namespace: elsewhere
      data: {a: b}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec: {replicas: 1}
      """;

  private static final String RENDERED =
      """
      ---
      # Source: web/templates/deployment.yaml
      kind: Deployment
      apiVersion: apps/v1
      metadata: {name: web}
      spec:
        replicas: 1
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: web-greeting
      data:
        greeting: "ciao"
        other: "same"
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: web-new
      """;

  @Test
  void objectsAreMatchedByKindNamespaceAndNameAndComparedAsData() throws Exception {
    List<ManifestDiff.Change> changes = ManifestDiff.between(DEPLOYED, RENDERED, "shop");
    Map<String, ManifestDiff.Type> byObject =
        changes.stream()
            .collect(
                java.util.stream.Collectors.toMap(
                    c -> c.kind() + "/" + c.namespace() + "/" + c.name(),
                    ManifestDiff.Change::type));
    assertThat(byObject)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "Deployment/shop/web", ManifestDiff.Type.UNCHANGED,
                "ConfigMap/shop/web-greeting", ManifestDiff.Type.CHANGED,
                "Secret/shop/web-new", ManifestDiff.Type.ADDED,
                "ConfigMap/elsewhere/web-extra", ManifestDiff.Type.REMOVED));
    ManifestDiff.Change greeting =
        changes.stream().filter(c -> c.name().equals("web-greeting")).findFirst().orElseThrow();
    assertThat(greeting.paths()).containsExactly("/data/greeting");
    assertThat(greeting.lines()).containsExactly("-  greeting: \"hello\"", "+  greeting: \"ciao\"");
  }

  @Test
  void nothingDeployedMeansEverythingIsAdded() throws Exception {
    assertThat(ManifestDiff.between(null, RENDERED, "shop"))
        .extracting(ManifestDiff.Change::type)
        .containsOnly(ManifestDiff.Type.ADDED)
        .hasSize(3);
  }

  @Test
  void changedPathsAreJsonPointersAsDeepAsBothSidesGo() {
    JsonNode before = JSON.readTree("{\"spec\":{\"replicas\":1,\"a/b\":\"x\",\"list\":[1,2]}}");
    JsonNode after = JSON.readTree("{\"spec\":{\"replicas\":2,\"a/b\":\"y\",\"list\":[1,3,4]}}");
    assertThat(ManifestDiff.changedPaths("", before, after))
        .containsExactlyInAnyOrder("/spec/replicas", "/spec/a~1b", "/spec/list");
  }

  @Test
  void aHugeDocumentIsReportedWithoutAQuadraticDiff() {
    String big = "x\n".repeat(ManifestDiff.MAX_DIFF_LINES + 1);
    assertThat(ManifestDiff.lineDiff(big, "y")).singleElement().asString().contains("too large");
  }
}
