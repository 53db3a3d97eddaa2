package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend switch and the container backend's pure parts. Starting containers needs a container
 * engine, which this machine kind lacks: that part is compiled here, not run.
 */
class TestEnvironmentBackendTest {

  /** What k3s writes to /etc/rancher/k3s/k3s.yaml, with the server rewritten by Testcontainers. */
  private static final String K3S_KUBECONFIG =
      """
      apiVersion: v1
      clusters:
      - cluster:
          certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
          server: https://localhost:32771
        name: default
      contexts:
      - context:
          cluster: default
          user: default
        name: default
      current-context: default
      kind: Config
      users:
      - name: default
        user:
          client-certificate-data: Y2VydA==
          client-key-data: a2V5
      """;

  @Test
  void theLocalProcessesAreTheDefault() {
    assertThat(TestEnvironmentBackend.named(null)).isEqualTo(TestEnvironmentBackend.PROCESSES);
    assertThat(TestEnvironmentBackend.named(" ")).isEqualTo(TestEnvironmentBackend.PROCESSES);
    assertThat(TestEnvironmentBackend.named("processes"))
        .isEqualTo(TestEnvironmentBackend.PROCESSES);
  }

  @Test
  void containersAreChosenExplicitlyInAnyCase() {
    assertThat(TestEnvironmentBackend.named("containers"))
        .isEqualTo(TestEnvironmentBackend.CONTAINERS);
    assertThat(TestEnvironmentBackend.named(" Containers "))
        .isEqualTo(TestEnvironmentBackend.CONTAINERS);
  }

  @Test
  void anUnknownBackendIsRefusedNamingTheChoices() {
    assertThatThrownBy(() -> TestEnvironmentBackend.named("docker"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "-Dtestenv.backend=docker names no test environment backend; use one of processes,"
                + " containers");
  }

  @Test
  void theNonAdminKubeconfigUsesK3sServerAndCaWithABearerToken(@TempDir Path dir) throws Exception {
    String server = ContainerEnvironment.field(K3S_KUBECONFIG, "server");
    assertThat(server).isEqualTo("https://localhost:32771");
    assertThat(ContainerEnvironment.field(K3S_KUBECONFIG, "certificate-authority-data"))
        .isEqualTo("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==");

    Path ca = dir.resolve("ca.crt");
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                dir.resolve("ca.key").toString(),
                "-out",
                ca.toString(),
                "-subj",
                "/CN=k3s-test-ca",
                "-days",
                "1")
            .redirectErrorStream(true)
            .start();
    openssl.getInputStream().readAllBytes();
    assertThat(openssl.waitFor()).isZero();
    Path kubeconfig =
        Files.writeString(
            dir.resolve("kubeconfig-jane.yaml"),
            ContainerEnvironment.tokenKubeconfig(server, ca, "jane", "tok-123"));
    String text = Files.readString(kubeconfig);
    assertThat(text).contains("token: tok-123").contains("certificate-authority: " + ca);
    ApiClient client = TestEnvironment.apiClient(kubeconfig);
    assertThat(client.getBasePath()).isEqualTo("https://localhost:32771");
  }
}
