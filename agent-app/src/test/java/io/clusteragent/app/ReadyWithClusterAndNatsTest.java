package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.natsbridge.NatsBridge;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** With the real API server and nats-server up, the assembled agent reports ready. */
@WithTestEnvironment
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReadyWithClusterAndNatsTest {

  @LocalServerPort int port;

  @Autowired NatsBridge bridge;

  @DynamicPropertySource
  static void environment(DynamicPropertyRegistry registry) {
    TestEnvironment env = TestEnvironment.get();
    registry.add("KUBECONFIG", () -> env.adminKubeconfig().toString());
    registry.add("agent.nats.servers", env::natsUrl);
    registry.add("agent.platform-signing-keys", env::platformPublicKeys);
    registry.add("agent.nats.cluster-id", () -> "app-ready");
  }

  @Test
  void readyzIsUpWhenNatsIsConnectedAndTheApiAnswers() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> response = null;
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until) {
      response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(response).isNotNull();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"kubernetes\"")
        .contains("\"nats\"")
        .doesNotContain("DOWN");
    assertThat(bridge.serving()).isTrue();
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("agent_ready{application=\"cluster-agent\"} 1.0");
  }
}
