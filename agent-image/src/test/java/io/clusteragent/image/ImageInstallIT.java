package io.clusteragent.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built image pushed to the test environment's registry (HTTPS, htpasswd) and the chart
 * installed with {@code image.repository} pointing there: the Deployment names the pushed
 * reference, and that reference resolves in the registry to the manifest the build wrote. kwok runs
 * the pod without pulling; what the image holds is {@link ImageContentsIT}'s part.
 */
@WithTestEnvironment
class ImageInstallIT {

  private static final String TAG = "2.0.0-it";

  @TempDir static Path work;
  static OciImageTarball image;
  static RegistryUpload registry;
  static String repository;
  static String pushedDigest;

  @BeforeAll
  static void push(TestEnvironment env) throws Exception {
    image = OciImageTarball.unpack(Path.of(System.getProperty("image.tar")), work.resolve("oci"));
    registry =
        new RegistryUpload(
            env.registryHost(),
            env.caCertFile(),
            env.registryUsername(),
            env.registryPasswordFile());
    repository = "agent/t" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    pushedDigest = registry.push(image, repository, TAG);
  }

  @Test
  void registryServesTheManifestAndConfigTheBuildWrote() throws Exception {
    HttpResponse<byte[]> served = registry.manifest(repository, TAG);

    assertThat(served.statusCode()).isEqualTo(200);
    String buildDigest = Files.readString(Path.of(System.getProperty("image.digest.file"))).strip();
    assertThat(pushedDigest).isEqualTo(buildDigest).isEqualTo(image.manifestDigest());
    assertThat(served.headers().firstValue("Docker-Content-Digest")).hasValue(buildDigest);
    assertThat("sha256:" + sha256(served.body())).isEqualTo(buildDigest);

    String configDigest = image.manifest().path("config").path("digest").asString();
    HttpResponse<InputStream> config = registry.blob(repository, configDigest);
    assertThat(config.statusCode()).isEqualTo(200);
    byte[] configBytes;
    try (InputStream in = config.body()) {
      configBytes = in.readAllBytes();
    }
    assertThat("sha256:" + sha256(configBytes)).isEqualTo(configDigest);
    String configJson = new String(configBytes);
    assertThat(configJson)
        .contains("\"User\":\"1000:1000\"")
        .contains("\"HOME=/home/agent\"")
        .contains("\"8080/tcp\"")
        .contains(
            "\"Entrypoint\":[\"java\",\"@/app/jvm.options\",\"-XX:AOTCache=/app/app.aot\","
                + "\"-jar\",\"/app/app.jar\"]");
  }

  @Test
  void chartInstalledWithTheRegistryImageRunsThePushedReference(TestEnvironment env)
      throws Exception {
    String namespace = Workloads.uniqueNamespace(env, "image");
    String imageRepository = env.registryHost() + "/" + repository;

    env.helm(
            "install",
            "ankra-agent",
            System.getProperty("chart.dir"),
            "--namespace",
            namespace,
            "--set",
            "config.token=image-test-token",
            "--set",
            "image.repository=" + imageRepository,
            "--set",
            "image.tag=" + TAG)
        .assertSuccess();

    String deployed =
        env.kubectl(
                "get",
                "deployment",
                "ankra-agent",
                "-n",
                namespace,
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}")
            .assertSuccess()
            .stdout()
            .strip();
    assertThat(deployed).isEqualTo(imageRepository + ":" + TAG);
    // the reference, split as a runtime splits it, resolves to what the build pushed
    String host = deployed.substring(0, deployed.indexOf('/'));
    String path = deployed.substring(host.length() + 1, deployed.lastIndexOf(':'));
    String tag = deployed.substring(deployed.lastIndexOf(':') + 1);
    assertThat(host).isEqualTo(env.registryHost());
    HttpResponse<byte[]> served = registry.manifest(path, tag);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.headers().firstValue("Docker-Content-Digest")).hasValue(pushedDigest);
    env.helm("uninstall", "ankra-agent", "--namespace", namespace).assertSuccess();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
