package io.clusteragent.core.kubernetes;

import io.clusteragent.core.background.FailureLog;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What the platform shows about the cluster: Kubernetes version and node count. Cached for a minute
 * because heartbeats ask often and a large cluster's node list is not free.
 */
public final class ClusterFacts {

  /** Null fields mean "not known right now" (API unreachable), never a guess. */
  public record Snapshot(String kubernetesVersion, Integer nodeCount) {}

  private static final Duration CACHE = Duration.ofSeconds(60);
  private final KubernetesClients clients;
  private final Clock clock;
  private final FailureLog failures;
  private volatile Snapshot last = new Snapshot(null, null);
  private volatile Instant fetchedAt = Instant.MIN;

  public ClusterFacts(KubernetesClients clients, Clock clock, FailureLog failures) {
    this.clients = clients;
    this.clock = clock;
    this.failures = failures;
  }

  public Snapshot snapshot() {
    Instant now = clock.instant();
    if (fetchedAt.plus(CACHE).isAfter(now)) {
      return last;
    }
    String version = null;
    Integer nodes = null;
    try {
      ApiClient api = clients.unaryClient();
      version = new VersionApi(api).getCode().execute().getGitVersion();
      // limit=1 still returns the remaining count, so a big cluster costs one small page
      var list = new CoreV1Api(api).listNode().limit(1).execute();
      Long remaining =
          list.getMetadata() == null ? null : list.getMetadata().getRemainingItemCount();
      nodes = list.getItems().size() + (remaining == null ? 0 : remaining.intValue());
      failures.succeeded("cluster-facts lookup");
    } catch (IOException | io.kubernetes.client.openapi.ApiException | RuntimeException e) {
      // Unknown fields stay null (never a guess); the cause is visible once and counted.
      failures.failed("cluster-facts lookup", e);
    }
    last = new Snapshot(version, nodes);
    fetchedAt = now;
    return last;
  }
}
