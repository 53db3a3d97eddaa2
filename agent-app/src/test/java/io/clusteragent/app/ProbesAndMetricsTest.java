package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Probes and metrics as a kubelet and Prometheus see them, with no NATS and no cluster around. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "KUBECONFIG=/nonexistent/kubeconfig")
class ProbesAndMetricsTest {

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void livezIsUpWhileTheProcessRuns() throws Exception {
    HttpResponse<String> response = get("/livez");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"UP\"");
  }

  @Test
  void readyzSaysWhatIsMissing() throws Exception {
    HttpResponse<String> response = get("/readyz");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body())
        .contains("\"nats\"")
        .contains("\"kubernetes\"")
        .contains("Kubernetes API not reachable")
        .contains("DOWN");
  }

  @Test
  void metricsArePrometheusTextWithBulkheadsAndNats() throws Exception {
    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(response.body())
        .contains(
            "resilience4j_bulkhead_max_allowed_concurrent_calls{application=\"cluster-agent\",name=\"read\"} 5.0")
        .contains(
            "resilience4j_bulkhead_max_allowed_concurrent_calls{application=\"cluster-agent\",name=\"write\"} 5.0")
        .contains(
            "resilience4j_bulkhead_max_allowed_concurrent_calls{application=\"cluster-agent\",name=\"proxy-unary\"} 64.0")
        .contains(
            "resilience4j_bulkhead_max_allowed_concurrent_calls{application=\"cluster-agent\",name=\"proxy-stream\"} 128.0")
        .contains("agent_nats_connected");
  }

  @Test
  void metricsSayNotReadyWhileReadyzIsDown() throws Exception {
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    assertThat(get("/metrics").body()).contains("agent_ready{application=\"cluster-agent\"} 0.0");
  }

  @Test
  void metricsGiveTheContainerMemoryAndItsLimit() throws Exception {
    String metrics = get("/metrics").body();
    double limit = sample(metrics, "agent_memory_limit_bytes");
    double used = sample(metrics, "agent_memory_used_bytes");
    // the limit the JVM sees is at least its own heap's maximum, and usage lies within the limit
    assertThat(limit).isGreaterThanOrEqualTo(Runtime.getRuntime().maxMemory());
    assertThat(used).isPositive().isLessThanOrEqualTo(limit);
  }

  private static double sample(String metrics, String name) {
    return metrics
        .lines()
        .filter(line -> line.startsWith(name + "{"))
        .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample of " + name + " in:\n" + metrics));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/env",
        "/configprops",
        "/heapdump",
        "/threaddump",
        "/beans",
        "/loggers",
        "/actuator",
        "/actuator/env",
        "/actuator/heapdump",
        "/shutdown"
      })
  void noOtherActuatorEndpointIsExposed(String path) throws Exception {
    assertThat(get(path).statusCode()).isEqualTo(404);
  }
}
