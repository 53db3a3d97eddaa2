package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** helm (pinned v4) against the real API server, with charts from a local HTTP chart repository. */
@WithTestEnvironment
class HelmTest {

  static HttpServer server;
  static Path repoDir;

  @BeforeAll
  static void chartRepository(TestEnvironment env) throws Exception {
    Path work = Files.createDirectories(env.dir().resolve("helm-test"));
    repoDir = Files.createDirectories(work.resolve("repo"));
    for (String version : new String[] {"0.1.0", "0.2.0"}) {
      Path chart = work.resolve("src-" + version).resolve("greeting");
      Files.createDirectories(chart.resolve("templates"));
      Files.writeString(
          chart.resolve("Chart.yaml"),
          """
          apiVersion: v2
          name: greeting
          version: %s
          appVersion: "%s"
          """
              .formatted(version, version));
      Files.writeString(
          chart.resolve("values.yaml"), "message: hello from %s\n".formatted(version));
      Files.writeString(
          chart.resolve("templates/configmap.yaml"),
          """
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: {{ .Release.Name }}-greeting
          data:
            message: {{ .Values.message | quote }}
            chartVersion: {{ .Chart.Version | quote }}
          """);
      env.helm("package", chart.toString(), "--destination", repoDir.toString()).assertSuccess();
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          Path file = repoDir.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
          if (!file.startsWith(repoDir) || !Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          byte[] body = Files.readAllBytes(file);
          exchange
              .getResponseHeaders()
              .set(
                  "Content-Type",
                  file.toString().endsWith(".yaml") ? "application/x-yaml" : "application/gzip");
          exchange.sendResponseHeaders(200, body.length);
          try (var out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    env.helm("repo", "index", repoDir.toString(), "--url", url).assertSuccess();
    env.helm("repo", "add", "local", url, "--force-update").assertSuccess();
    env.helm("repo", "update", "local").assertSuccess();
  }

  @AfterAll
  static void stop() throws IOException {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void installFromHttpRepositoryStoresReleaseSecretAndRollbackWorks(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm");
    CoreV1Api core = new CoreV1Api(env.adminApiClient());

    env.helm("install", "greet", "local/greeting", "--version", "0.1.0", "-n", ns).assertSuccess();

    assertThat(core.readNamespacedSecret("sh.helm.release.v1.greet.v1", ns).execute().getType())
        .isEqualTo("helm.sh/release.v1");
    assertThat(configMap(core, ns)).containsEntry("message", "hello from 0.1.0");

    env.helm("upgrade", "greet", "local/greeting", "--version", "0.2.0", "-n", ns).assertSuccess();
    assertThat(configMap(core, ns)).containsEntry("chartVersion", "0.2.0");
    assertThat(core.readNamespacedSecret("sh.helm.release.v1.greet.v2", ns).execute()).isNotNull();

    env.helm("rollback", "greet", "1", "-n", ns).assertSuccess();

    assertThat(configMap(core, ns))
        .containsEntry("message", "hello from 0.1.0")
        .containsEntry("chartVersion", "0.1.0");
    assertThat(core.readNamespacedSecret("sh.helm.release.v1.greet.v3", ns).execute()).isNotNull();
    String history = env.helm("history", "greet", "-n", ns, "-o", "json").assertSuccess().stdout();
    assertThat(history).contains("\"revision\":3").contains("Rollback to 1");
  }

  private static Map<String, String> configMap(CoreV1Api core, String ns) throws Exception {
    V1ConfigMap cm = core.readNamespacedConfigMap("greet-greeting", ns).execute();
    return cm.getData();
  }
}
