package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceTypesTest {

  private static final ResourceTypes TYPES =
      ResourceTypes.from(
          WireJson.MAPPER.readTree(
              """
              {"resources":[
                {"group":"","version":"v1","resource":"events","kind":"Event","namespaced":true,
                 "singular":"event","shortNames":["ev"]},
                {"group":"","version":"v1","resource":"configmaps","kind":"ConfigMap",
                 "namespaced":true,"singular":"configmap","shortNames":["cm"]},
                {"group":"apps","version":"v1","resource":"deployments","kind":"Deployment",
                 "namespaced":true,"singular":"deployment","shortNames":["deploy"]},
                {"group":"events.k8s.io","version":"v1","resource":"events","kind":"Event",
                 "namespaced":true,"singular":"event","shortNames":[]}]}
              """));

  @Test
  void aTypeIsFoundByPluralSingularShortNameOrKindInAnyCase() {
    for (String name : List.of("deployments", "deployment", "deploy", "Deployment", "DEPLOY")) {
      assertThat(TYPES.resolve(name).resource()).as(name).isEqualTo("deployments");
    }
    assertThat(TYPES.resolve("cm").apiVersion()).isEqualTo("v1");
    assertThat(TYPES.resolve("deploy").apiVersion()).isEqualTo("apps/v1");
    assertThat(TYPES.resolve("deploy").qualifiedKind()).isEqualTo("deployment.apps");
  }

  @Test
  void theCoreGroupWinsANameSeveralGroupsServeUnlessTheGroupIsNamed() {
    assertThat(TYPES.resolve("events").group()).isEmpty();
    assertThat(TYPES.resolve("events.events.k8s.io").group()).isEqualTo("events.k8s.io");
  }

  @Test
  void anUnknownNameSaysWhereToLook() {
    assertThatThrownBy(() -> TYPES.resolve("gizmos"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("agentctl api-resources");
  }

  @Test
  void tablesAlignLikeKubectl() {
    TextTable table = new TextTable(List.of("name", "ready"));
    table.add(List.of("web-1", "1/1"));
    table.add(List.of("a", "0/1"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("NAME    READY\nweb-1   1/1\na       0/1\n");
  }
}
