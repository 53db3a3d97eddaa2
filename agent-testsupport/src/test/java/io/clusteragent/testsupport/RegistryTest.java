package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Charts through the environment's OCI registry as users get them: packaged and pushed with the
 * pinned helm, installed from {@code oci://} into the real cluster, and refused without
 * credentials.
 */
@WithTestEnvironment
class RegistryTest {

  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  static String repository;
  static String manifestPath;

  @BeforeAll
  static void pushChart(TestEnvironment env) throws Exception {
    Path work = Files.createDirectories(env.dir().resolve("registry-test"));
    Path chart = work.resolve("src").resolve("shelf");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(
        chart.resolve("Chart.yaml"),
        """
        apiVersion: v2
        name: shelf
        version: 0.3.0
        appVersion: "0.3.0"
        """);
    Files.writeString(chart.resolve("values.yaml"), "message: installed from the registry\n");
    Files.writeString(
        chart.resolve("templates/objects.yaml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-shelf
        data:
          message: {{ .Values.message | quote }}
          chartVersion: {{ .Chart.Version | quote }}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: {{ .Release.Name }}-shelf
        """);
    env.helm("package", chart.toString(), "--destination", work.toString()).assertSuccess();
    String name = "charts/t" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    repository = env.pushChart(work.resolve("shelf-0.3.0.tgz"), name);

    assertThat(repository).isEqualTo("oci://" + env.registryHost() + "/" + name);
    manifestPath = "/v2/" + name + "/shelf/manifests/0.3.0";
  }

  @Test
  void chartPushedToTheRegistryInstallsFromOci(TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "oci");
    CoreV1Api core = new CoreV1Api(env.adminApiClient());

    env.helm("install", "books", repository + "/shelf", "--version", "0.3.0", "-n", ns)
        .assertSuccess();

    V1ConfigMap configMap = core.readNamespacedConfigMap("books-shelf", ns).execute();
    assertThat(configMap.getData())
        .containsEntry("message", "installed from the registry")
        .containsEntry("chartVersion", "0.3.0");
    assertThat(core.readNamespacedServiceAccount("books-shelf", ns).execute()).isNotNull();
    assertThat(core.readNamespacedSecret("sh.helm.release.v1.books.v1", ns).execute().getType())
        .isEqualTo("helm.sh/release.v1");
    assertThat(env.helm("list", "-n", ns, "-o", "json").assertSuccess().stdout())
        .contains("\"chart\":\"shelf-0.3.0\"");
  }

  @Test
  void pullWithoutCredentialsIsRefused(TestEnvironment env) throws Exception {
    Path work = Files.createTempDirectory(env.dir(), "anonymous-pull");
    Path destination = Files.createDirectories(work.resolve("charts"));

    CommandResult pull =
        env.helm(
            "pull",
            repository + "/shelf",
            "--version",
            "0.3.0",
            "--registry-config",
            work.resolve("no-credentials.json").toString(),
            "--destination",
            destination.toString());

    assertThat(pull.succeeded()).as(pull.stderr()).isFalse();
    // oras' words for a 401 with a Basic challenge it has nothing to answer with
    assertThat(pull.stderr()).contains("basic credential not found");
    assertThat(destination).isEmptyDirectory();

    HttpClient http =
        HttpClient.newBuilder().sslContext(TrustedCa.sslContext(env.caCertFile())).build();
    HttpResponse<String> anonymous = http.send(manifest(env).build(), ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().allValues("WWW-Authenticate"))
        .containsExactly("Basic realm=\"testenv-registry\"");
    HttpResponse<String> wrongPassword =
        http.send(
            manifest(env).header("Authorization", basic(env.registryUsername(), "wrong")).build(),
            ofString());
    assertThat(wrongPassword.statusCode()).isEqualTo(401);
    // the same request with the user's password answers: the 401s were about credentials only
    String password = Files.readString(env.registryPasswordFile()).strip();
    HttpResponse<String> authenticated =
        http.send(
            manifest(env).header("Authorization", basic(env.registryUsername(), password)).build(),
            ofString());
    assertThat(authenticated.statusCode()).isEqualTo(200);
    assertThat(authenticated.headers().firstValue("Content-Type")).hasValue(OCI_MANIFEST);
  }

  private static HttpRequest.Builder manifest(TestEnvironment env) {
    return HttpRequest.newBuilder(URI.create("https://" + env.registryHost() + manifestPath))
        .header("Accept", OCI_MANIFEST);
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
