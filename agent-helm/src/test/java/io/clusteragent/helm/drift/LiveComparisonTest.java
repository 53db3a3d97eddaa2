package io.clusteragent.helm.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.helm.yaml.YamlText;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The comparison rules, on manifests read as helm's are and live objects read as JSON. */
class LiveComparisonTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final YamlText YAML = new YamlText();

  @Test
  void defaultsStatusAndServerFieldsTheManifestDoesNotSetAreNoDrift() throws Exception {
    JsonNode rendered =
        yaml(
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 1
              template:
                spec:
                  containers:
                  - {name: web, image: "example.invalid/web:1"}
            """);
    JsonNode live =
        JSON.readTree(
            """
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"shop","uid":"u1","resourceVersion":"7",
                         "managedFields":[{"manager":"helm"}]},
             "spec":{"replicas":1,"progressDeadlineSeconds":600,
                     "template":{"spec":{"containers":[{"name":"web","image":"example.invalid/web:1",
                        "imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log"}],
                        "restartPolicy":"Always"}}},
             "status":{"replicas":1}}
            """);
    assertThat(LiveComparison.driftedPaths(rendered, live)).isEmpty();
  }

  @Test
  void changedLeavesAreReportedAtTheirPointersSorted() throws Exception {
    JsonNode rendered =
        yaml("data: {b: two, a: one, \"x/y\": s, \"t~\": u}\nspec: {replicas: 1}\n");
    JsonNode live =
        JSON.readTree(
            "{\"data\":{\"a\":\"uno\",\"b\":\"two\",\"x/y\":\"z\",\"t~\":\"v\",\"extra\":\"1\"},"
                + "\"spec\":{\"replicas\":3}}");
    assertThat(LiveComparison.driftedPaths(rendered, live))
        .containsExactly("/data/a", "/data/t~0", "/data/x~1y", "/spec/replicas");
  }

  @Test
  void numbersCompareByValueAndQuantityStringsAsWritten() throws Exception {
    JsonNode rendered = yaml("a: 1\nb: 1.10\nc: 2\nd: \"500m\"\ne: 0.5\n");
    JsonNode live =
        JSON.readTree("{\"a\":1.0,\"b\":1.1,\"c\":\"2\",\"d\":\"500m\",\"e\":\"500m\"}");
    // 0.5 cpu is stored as "500m": a known limitation, documented
    assertThat(LiveComparison.driftedPaths(rendered, live)).containsExactly("/e");
  }

  @Test
  void listsCompareElementWiseAndALengthChangeIsOneDriftAtTheList() throws Exception {
    JsonNode rendered = yaml("ports: [{port: 80}, {port: 443}]\nargs: [a, b]\n");
    JsonNode live =
        JSON.readTree(
            "{\"ports\":[{\"port\":80,\"protocol\":\"TCP\"},{\"port\":8443}],\"args\":[\"a\",\"b\",\"c\"]}");
    assertThat(LiveComparison.driftedPaths(rendered, live))
        .containsExactly("/args", "/ports/1/port");
  }

  @Test
  void nullsAndZeroValuesTheApiServerDropsAreNoDrift() throws Exception {
    JsonNode rendered =
        yaml("a: null\nb: \"\"\nc: false\nd: 0\ne: []\nf: {}\ng: {h: null}\nmissing: value\n");
    assertThat(LiveComparison.driftedPaths(rendered, JSON.readTree("{}")))
        .containsExactly("/missing");
  }

  @Test
  void helmsOwnMetadataIsNeverCompared() throws Exception {
    JsonNode rendered =
        yaml(
            """
            metadata:
              labels: {app.kubernetes.io/managed-by: Tiller, tier: web}
              annotations: {meta.helm.sh/release-name: other, meta.helm.sh/release-namespace: x}
            """);
    JsonNode live = JSON.readTree("{\"metadata\":{\"labels\":{\"tier\":\"db\"}}}");
    assertThat(LiveComparison.driftedPaths(rendered, live))
        .containsExactly("/metadata/labels/tier");
  }

  @Test
  void aSecretsStringDataIsComparedAsTheDataItBecomes() throws Exception {
    JsonNode rendered = yaml("apiVersion: v1\nkind: Secret\nstringData: {password: s3cret}\n");
    JsonNode same =
        JSON.readTree(
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"password\":\"czNjcmV0\"}}");
    JsonNode changed =
        JSON.readTree(
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"password\":\"b3RoZXI=\"}}");
    assertThat(LiveComparison.driftedPaths(rendered, same)).isEmpty();
    assertThat(LiveComparison.driftedPaths(rendered, changed)).containsExactly("/data/password");
  }

  @Test
  void ignoreRulesCoverAPointerAndWhatIsBelowItForTheirKindAndName() throws Exception {
    JsonNode rendered = yaml("spec: {replicas: 1, replicasMax: 2, template: {a: 1, b: 2}}\n");
    JsonNode live =
        JSON.readTree(
            "{\"spec\":{\"replicas\":3,\"replicasMax\":3,\"template\":{\"a\":9,\"b\":9}}}");
    IgnoreRule rule =
        new IgnoreRule(
            Optional.of("Deployment"),
            Optional.empty(),
            List.of("/spec/replicas", "/spec/template"));
    assertThat(
            LiveComparison.driftedPaths(
                rendered, live, path -> rule.ignores("Deployment", "web", path)))
        .containsExactly("/spec/replicasMax");
    assertThat(
            LiveComparison.driftedPaths(
                rendered, live, path -> rule.ignores("StatefulSet", "web", path)))
        .hasSize(4);
  }

  @Test
  void anObjectWhereTheLiveObjectHoldsAScalarIsOneDrift() throws Exception {
    assertThat(LiveComparison.driftedPaths(yaml("a: {b: 1}\n"), JSON.readTree("{\"a\":\"x\"}")))
        .containsExactly("/a");
  }

  @Test
  void theGuardAllowsAFewAndRefusesASweepOfMostOfTheRelease() {
    assertThat(ReleasePrune.refusal(5, 0)).isEmpty();
    assertThat(ReleasePrune.refusal(6, 12)).isEmpty();
    assertThat(ReleasePrune.refusal(7, 12)).hasValueSatisfying(r -> r.contains("refusing"));
    assertThat(ReleasePrune.refusal(6, 2)).isPresent();
  }

  private static JsonNode yaml(String text) throws Exception {
    return YAML.read("test", text, YamlText.Aliases.REFUSE).getFirst();
  }
}
