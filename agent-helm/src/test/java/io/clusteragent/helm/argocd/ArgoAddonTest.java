package io.clusteragent.helm.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

class ArgoAddonTest {

  @Test
  void anOciRegistryLosesItsSchemeAndAHelmRepositoryKeepsIt() {
    assertThat(addon("oci://ghcr.io/org/charts/").argoRepoUrl()).isEqualTo("ghcr.io/org/charts");
    assertThat(addon("OCI://registry.example.com:5000/x").argoRepoUrl())
        .isEqualTo("registry.example.com:5000/x");
    assertThat(addon("https://charts.example.com/stable/").argoRepoUrl())
        .isEqualTo("https://charts.example.com/stable");
  }

  @Test
  void theApplicationIsNamedAfterStackAndAddon() {
    assertThat(addon("https://charts.example.com").applicationName()).isEqualTo("infra-ingress");
  }

  @Test
  void whatArgoCdCouldNotDeployIsABadRequestNamingTheField() {
    assertThat(problem(addon("http://charts.example.com"))).contains("registry_url");
    assertThat(problem(addon("git@github.com:org/charts.git"))).contains("registry_url");
    assertThat(problem(addon("oci://"))).contains("registry_url");
    assertThat(problem(addon("https://charts.example.com/?token=x"))).contains("registry_url");
    assertThat(problem(with("Infra", "ingress", "nginx", "1.0.0", "ns", 10))).contains("stack");
    assertThat(problem(with("infra", "in_gress", "nginx", "1.0.0", "ns", 10))).contains("name");
    assertThat(problem(with("infra", "ingress", "org/nginx", "1.0.0", "ns", 10)))
        .contains("chart_name");
    assertThat(problem(with("infra", "ingress", "nginx", " ", "ns", 10))).contains("chart_version");
    assertThat(problem(with("infra", "ingress", "nginx", "1.0.0", "No Such", 10)))
        .contains("namespace");
    assertThat(problem(with("infra", "ingress", "nginx", "1.0.0", "ns", -1)))
        .contains("revision_history_limit");
  }

  @Test
  void aValidAddonPasses() throws CommandException {
    addon("oci://ghcr.io/org/charts").check();
    addon("https://charts.example.com").check();
  }

  private static ArgoAddon addon(String repoUrl) {
    return ArgoAddon.withDefaults("infra", "ingress", "nginx", repoUrl, "1.0.0", null, "ns");
  }

  private static ArgoAddon with(
      String stack, String name, String chart, String version, String namespace, int history) {
    return new ArgoAddon(
        stack,
        name,
        chart,
        "https://charts.example.com",
        version,
        null,
        namespace,
        true,
        true,
        true,
        history);
  }

  private static String problem(ArgoAddon addon) {
    try {
      addon.check();
    } catch (CommandException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
      return e.getMessage();
    }
    throw new AssertionError("accepted " + addon);
  }
}
