package io.clusteragent.core.kubernetes;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.VersionInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Readiness part: the Kubernetes API answers {@code /version}. The answer is cached briefly so that
 * frequent probes do not become API load.
 */
public final class KubernetesApiHealth implements HealthIndicator {

  private static final Duration CACHE = Duration.ofSeconds(5);
  private final Supplier<ApiClient> client;
  private final Clock clock;
  private volatile Health last;
  private volatile Instant checkedAt = Instant.MIN;

  public KubernetesApiHealth(Supplier<ApiClient> client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public Health health() {
    Instant now = clock.instant();
    if (last != null && checkedAt.plus(CACHE).isAfter(now)) {
      return last;
    }
    Health result;
    try {
      ApiClient api = client.get();
      VersionInfo version = new VersionApi(api).getCode().execute();
      result = Health.up().withDetail("version", version.getGitVersion()).build();
    } catch (Exception e) {
      result =
          Health.down()
              .withDetail("reason", "Kubernetes API not reachable: " + e.getClass().getSimpleName())
              .build();
    }
    last = result;
    checkedAt = now;
    return result;
  }
}
