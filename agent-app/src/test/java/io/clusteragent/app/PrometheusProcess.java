package io.clusteragent.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server (the test environment's pinned build) scraping one target and evaluating
 * rule files every 2 seconds, with its HTTP API for queries. Its data and log live in the directory
 * given.
 */
final class PrometheusProcess implements AutoCloseable {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Process process;
  private final String api;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusProcess(Process process, String api, Path log) {
    this.process = process;
    this.api = api;
    this.log = log;
  }

  static PrometheusProcess start(Path binary, Path dir, String target, List<Path> ruleFiles)
      throws Exception {
    StringBuilder config =
        new StringBuilder(
            """
            global:
              scrape_interval: 2s
              scrape_timeout: 2s
              evaluation_interval: 2s
            scrape_configs:
              - job_name: ankra-agent
                metrics_path: /metrics
                static_configs:
                  - targets: ['%s']
            rule_files:
            """
                .formatted(target));
    for (Path rules : ruleFiles) {
      config.append("  - '").append(rules.toAbsolutePath()).append("'\n");
    }
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port = PackagedAgent.freePort();
    Path log = dir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusProcess prometheus = new PrometheusProcess(process, "http://127.0.0.1:" + port, log);
    prometheus.awaitReady();
    return prometheus;
  }

  private void awaitReady() throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus exited: " + Files.readString(log));
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException("prometheus not ready: " + Files.readString(log));
      }
      Thread.sleep(200);
    }
  }

  /** The result array of an instant query at the current time. */
  JsonNode query(String promql) {
    return data("/api/v1/query?query=" + encode(promql)).get("result");
  }

  /** The syntax tree Prometheus parses {@code promql} into. */
  JsonNode parse(String promql) {
    return data("/api/v1/parse_query?query=" + encode(promql));
  }

  /** The rule groups as loaded and last evaluated. */
  JsonNode ruleGroups() {
    return data("/api/v1/rules").get("groups");
  }

  private JsonNode data(String path) {
    try {
      HttpResponse<String> response = get(path);
      JsonNode body = JSON.readTree(response.body());
      if (response.statusCode() != 200 || !"success".equals(body.path("status").asString())) {
        throw new IllegalStateException(
            "prometheus answered " + response.statusCode() + " to " + path + ": " + body);
      }
      return body.get("data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
