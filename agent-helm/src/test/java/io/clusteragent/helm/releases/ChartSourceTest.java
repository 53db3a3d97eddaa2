package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChartSourceTest {

  @Test
  void anOciReferenceNamesItsRegistryHostAndPort() throws Exception {
    ChartSource source =
        ChartSource.of(
            Optional.of("oci://127.0.0.1:5000/charts/web"), Optional.empty(), Optional.empty());
    assertThat(source).isInstanceOf(ChartSource.Oci.class);
    assertThat(((ChartSource.Oci) source).host()).isEqualTo("127.0.0.1:5000");
  }

  @Test
  void aChartNameWithARepositoryIsARepositoryChart() throws Exception {
    ChartSource source =
        ChartSource.of(
            Optional.of("ingress-nginx"),
            Optional.of("https://kubernetes.github.io/ingress-nginx"),
            Optional.empty());
    assertThat(source)
        .isEqualTo(
            new ChartSource.Repository(
                java.net.URI.create("https://kubernetes.github.io/ingress-nginx"),
                "ingress-nginx"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "file:///etc/passwd",
        "FILE:chart",
        "/var/run/secrets/kubernetes.io/serviceaccount",
        "./chart",
        "../../chart",
        "stable/nginx",
        "C:\\\\chart"
      })
  void localFilesAndLocalRepositoryNamesAreRefused(String chart) {
    assertThatThrownBy(() -> ChartSource.of(Optional.of(chart), Optional.empty(), Optional.empty()))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("the agent reads no local charts")
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "oci://user:pw@registry.example.com/charts/web",
        "oci:///charts/web",
        "oci://registry.example.com/Charts/Web",
        "oci://registry.example.com/charts/web?x=1",
        "oci://registry.example.com/charts/../web",
        "oci://registry.example.com/charts web"
      })
  void malformedOciReferencesAreRefused(String chart) {
    assertThatThrownBy(() -> ChartSource.of(Optional.of(chart), Optional.empty(), Optional.empty()))
        .isInstanceOf(CommandException.class)
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://charts.example.com",
        "file:///srv/charts",
        "https://user:pw@charts.example.com",
        "https:///no-host"
      })
  void repositoriesMustBeHttpUrlsWithoutCredentials(String repository) {
    assertThatThrownBy(
            () -> ChartSource.of(Optional.of("web"), Optional.of(repository), Optional.empty()))
        .isInstanceOf(CommandException.class)
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void aChartNameWithAPathInARepositoryIsRefused() {
    assertThatThrownBy(() ->
            ChartSource.of(
                Optional.of("../web"), Optional.of("https://charts.example.com"), Optional.empty()))
        .hasMessageContaining("is not a chart name");
  }

  @Test
  void anArchiveMustBeGzipAndSmallAndAlone() {
    String gzip = Base64.getEncoder().encodeToString(new byte[] {0x1f, (byte) 0x8b, 8, 0});
    assertThatThrownBy(
            () -> ChartSource.of(Optional.of("web"), Optional.empty(), Optional.of(gzip)))
        .hasMessageContaining("archive replaces chart");
    assertThatThrownBy(() ->
            ChartSource.of(
                Optional.empty(),
                Optional.empty(),
                Optional.of(Base64.getEncoder().encodeToString("apiVersion: v2".getBytes()))))
        .hasMessageContaining("not a gzip-compressed chart archive");
    assertThatThrownBy(() -> ChartSource.of(Optional.empty(), Optional.empty(), Optional.of("%%%")))
        .hasMessageContaining("base64");
    byte[] big = new byte[ChartSource.MAX_ARCHIVE_BYTES + 1];
    big[0] = 0x1f;
    big[1] = (byte) 0x8b;
    assertThatThrownBy(() ->
            ChartSource.of(
                Optional.empty(),
                Optional.empty(),
                Optional.of(Base64.getEncoder().encodeToString(big))))
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
  }

  @Test
  void nothingAtAllSaysWhatIsNeeded() {
    assertThatThrownBy(() -> ChartSource.of(Optional.empty(), Optional.empty(), Optional.empty()))
        .hasMessageContaining("chart is required");
  }
}
