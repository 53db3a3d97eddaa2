package io.clusteragent.core.kubernetes;

import io.clusteragent.core.settings.CoreSettings;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * Builds the agent's API clients: in-cluster service account when running in a pod, otherwise the
 * kubeconfig named by {@code KUBECONFIG} (local runs and tests). HTTP/1.1 unless HTTP/2 is asked
 * for, because some API server paths (proxies, load balancers) mishandle long HTTP/2 streams.
 */
public final class KubernetesClients {

  private final CoreSettings.Kubernetes settings;
  private final String kubeconfig;
  // Built once: each ApiClient owns an HTTP connection pool and threads. The in-cluster client
  // re-reads its rotating service-account token by itself. Built on first use, so the agent
  // starts (and reports not-ready) when no cluster is reachable.
  private ApiClient unary;
  private ApiClient streaming;

  public KubernetesClients(CoreSettings.Kubernetes settings, String kubeconfig) {
    this.settings = settings;
    this.kubeconfig = kubeconfig;
  }

  /** Client for unary calls: bounded read timeout, {@link RequestRetry}. */
  public synchronized ApiClient unaryClient() throws IOException {
    if (unary == null) {
      unary = buildUnary();
    }
    return unary;
  }

  /**
   * Client for lists, watches, log follows and tunnels: no read timeout, the stream ends when it
   * ends; {@link RequestRetry} until the response starts.
   */
  public synchronized ApiClient streamingClient() throws IOException {
    if (streaming == null) {
      streaming = buildStreaming();
    }
    return streaming;
  }

  private ApiClient buildUnary() throws IOException {
    ApiClient client = base();
    OkHttpClient http =
        client
            .getHttpClient()
            .newBuilder()
            .protocols(protocols())
            // Over HTTP/1.1 each call in flight holds its own connection. OkHttp keeps 5 idle
            // ones by default, so with more tunnelled requests at once every extra one paid a
            // new TLS handshake (bench/run: 5 ms of agent CPU per GET at 64 at once).
            .connectionPool(
                new ConnectionPool(settings.proxyUnaryConcurrency(), 5, TimeUnit.MINUTES))
            .readTimeout(Duration.ofSeconds(60))
            // our interceptor owns retries, so the documented attempt count is the real one
            .retryOnConnectionFailure(false)
            .addInterceptor(new RequestRetry(settings.requestMaxAttempts()))
            .build();
    return client.setHttpClient(http);
  }

  private ApiClient buildStreaming() throws IOException {
    ApiClient client = base();
    OkHttpClient http =
        client
            .getHttpClient()
            .newBuilder()
            .protocols(protocols())
            .readTimeout(Duration.ZERO)
            .retryOnConnectionFailure(false)
            // only until the response starts: a watch or a log cut later is not repeated
            .addInterceptor(new RequestRetry(settings.requestMaxAttempts()))
            .build();
    return client.setHttpClient(http);
  }

  private List<Protocol> protocols() {
    return settings.http2Enabled()
        ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1)
        : List.of(Protocol.HTTP_1_1);
  }

  private ApiClient base() throws IOException {
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      Path path = Path.of(kubeconfig.split(java.io.File.pathSeparator)[0]);
      try (Reader reader = Files.newBufferedReader(path)) {
        KubeConfig config = KubeConfig.loadKubeConfig(reader);
        config.setFile(path.toFile());
        return ClientBuilder.kubeconfig(config).build();
      }
    }
    return ClientBuilder.cluster().build();
  }
}
