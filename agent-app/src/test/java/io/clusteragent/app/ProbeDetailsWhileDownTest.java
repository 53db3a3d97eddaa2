package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TrustTally;
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
 * {@code /readyz} while nothing is reachable: NATS at a closed port through a URL carrying a
 * password, no cluster. Each part says why it is down, and only that; the password is in no probe
 * answer and no line of the DEBUG log, however often the connect is retried.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProbeDetailsWhileDownTest {

  private static final String PASSWORD = "down-pa55-91d3a7";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void environment(DynamicPropertyRegistry registry) throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String servers = "nats://agent:" + PASSWORD + "@127.0.0.1:" + closed;
    registry.add("KUBECONFIG", () -> "/nonexistent/kubeconfig");
    registry.add("agent.nats.servers", () -> servers);
    registry.add("agent.nats.cluster-id", () -> "probe-down");
    registry.add("logging.level.io.clusteragent", () -> "DEBUG");
  }

  @Test
  void eachPartSaysWhyItIsDownAndNothingElse(CapturedOutput output) throws Exception {
    Thread.sleep(3000); // a few connect attempts fail and are logged
    HttpResponse<String> ready =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String logs = output.getAll();
    TrustTally.ofThisBuild()
        .secretsLeaked(
            occurrences(ready.body() + logs, PASSWORD),
            "a NATS URL's password in /readyz and the DEBUG log while NATS is unreachable");

    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode readiness = JSON.readTree(ready.body());
    for (String part : List.of("nats", "kubernetes")) {
      JsonNode component = readiness.path("components").path(part);
      assertThat(component.path("status").asString()).as(part).isEqualTo("DOWN");
      assertThat(component.path("details").path("reason").asString()).as(part).isNotBlank();
    }
    List<String> details = new ArrayList<>();
    readiness
        .path("components")
        .forEach(component -> component.path("details").propertyNames().forEach(details::add));
    assertThat(details).as(ready.body()).containsOnly("reason");
    assertThat(logs).contains("nats://***@127.0.0.1:");
    assertThat(ready.body() + logs).doesNotContain(PASSWORD);
  }

  private static long occurrences(String text, String secret) {
    return text.split(Pattern.quote(secret), -1).length - 1;
  }
}
