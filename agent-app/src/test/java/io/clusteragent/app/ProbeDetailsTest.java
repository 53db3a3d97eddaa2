package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the probe port tells whoever reaches it: {@code /readyz} each part's status and, when down,
 * its reason, nothing else (no versions, no disk paths); {@code /health} its status only. NATS
 * server URLs carrying a password (one reachable, one at a closed port) never show it, in the
 * probes or in the DEBUG log; {@link ProbeDetailsWhileDownTest} covers the agent that cannot
 * connect at all.
 */
@WithTestEnvironment
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProbeDetailsTest {

  private static final String PASSWORD = "url-pa55-7c1e0b";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void environment(DynamicPropertyRegistry registry) throws IOException {
    TestEnvironment env = TestEnvironment.get();
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String withPassword = "nats://agent:" + PASSWORD + "@";
    String servers =
        "nats://agent:"
            + PASSWORD
            + "@127.0.0.1:"
            + closed
            + ","
            + env.natsUrl().replace("nats://", withPassword);
    registry.add("KUBECONFIG", () -> env.adminKubeconfig().toString());
    registry.add("agent.nats.servers", () -> servers);
    registry.add("agent.platform-signing-keys", env::platformPublicKeys);
    registry.add("agent.nats.cluster-id", () -> "probe-details");
    registry.add("logging.level.io.clusteragent", () -> "DEBUG");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyzShowsStatusesAndReasonsOnlyAndHealthItsStatusOnly(CapturedOutput output)
      throws Exception {
    HttpResponse<String> ready = get("/readyz");
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (ready.statusCode() != 200 && System.nanoTime() < until) {
      Thread.sleep(200);
      ready = get("/readyz");
    }
    HttpResponse<String> health = get("/health");
    String logs = output.getAll();
    TrustTally.ofThisBuild()
        .secretsLeaked(
            occurrences(ready.body() + health.body() + logs, PASSWORD),
            "a NATS URL's password in /readyz, /health and the DEBUG log");

    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    JsonNode readiness = JSON.readTree(ready.body());
    assertThat(readiness.path("components").propertyNames())
        .containsExactlyInAnyOrder("kubernetes", "nats", "readinessState");
    assertThat(detailNames(readiness)).as(ready.body()).isSubsetOf("reason");
    assertThat(ready.body()).doesNotContain("version").doesNotContain(PASSWORD);

    assertThat(JSON.readTree(health.body()).path("status").asString()).isEqualTo("UP");
    assertThat(health.body())
        .as("no components, so no disk paths or sizes")
        .doesNotContain("components")
        .doesNotContain("diskSpace")
        .doesNotContain(PASSWORD);

    assertThat(logs).contains("connected to NATS at nats://***@127.0.0.1:");
    assertThat(logs).as("the URL's password, anywhere in the log").doesNotContain(PASSWORD);
  }

  /** The names of every detail of every component, at any depth. */
  private static List<String> detailNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.path("components")
        .forEach(component -> {
          component.path("details").propertyNames().forEach(names::add);
          names.addAll(detailNames(component));
        });
    return names;
  }

  private static long occurrences(String text, String secret) {
    return text.split(Pattern.quote(secret), -1).length - 1;
  }
}
