package io.clusteragent.core.kubernetes;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.VersionApi;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.Response;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Readiness part: the Kubernetes API answers {@code /version}. The answer is cached briefly so that
 * frequent probes do not become API load. One check runs at a time and is capped below the chart's
 * probe timeout (3 s): an API server that accepts connections but never answers turns readiness
 * down with a reason instead of holding every probe (and its thread) for the client's read timeout.
 * The only detail is the reason: {@code /readyz} is open to whoever reaches the port.
 *
 * <p>The first check starts with the context ({@link #checkInBackground()}): a cold JVM's first
 * call builds the client, loads its classes and makes the TLS handshake, which takes longer than
 * the probe's cap and, done by the first probe, left readiness down for a probe period after
 * everything else was up. Until it ends, probes answer "in progress".
 */
public final class KubernetesApiHealth implements HealthIndicator {

  private static final Duration CACHE = Duration.ofSeconds(5);
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);
  static final Duration FIRST_CHECK_TIMEOUT = Duration.ofSeconds(15);
  private final Supplier<ApiClient> client;
  private final Clock clock;
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile Health last;
  private volatile Instant checkedAt = Instant.MIN;

  public KubernetesApiHealth(Supplier<ApiClient> client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public Health health() {
    Instant now = clock.instant();
    Health cached = last;
    if (cached != null && checkedAt.plus(CACHE).isAfter(now)) {
      return cached;
    }
    if (!checking.compareAndSet(false, true)) {
      // another probe is checking right now: answer with what is known rather than queue up
      return cached != null ? cached : down("Kubernetes API check in progress");
    }
    return checkAndRecord(CHECK_TIMEOUT);
  }

  /** Starts the first check on a virtual thread, capped at {@link #FIRST_CHECK_TIMEOUT}. */
  public void checkInBackground() {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("kubernetes-first-check")
        .start(() -> checkAndRecord(FIRST_CHECK_TIMEOUT));
  }

  /** Runs the check {@link #checking} was taken for, keeps its answer and frees the flag. */
  private Health checkAndRecord(Duration timeout) {
    try {
      Health result = check(timeout);
      last = result;
      checkedAt = clock.instant();
      return result;
    } finally {
      checking.set(false);
    }
  }

  private Health check(Duration timeout) {
    try {
      Call call = new VersionApi(client.get()).getCode().buildCall(null);
      // the whole call, retries of the client's interceptor included
      call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
      try (Response response = call.execute()) {
        return response.isSuccessful()
            ? Health.up().build()
            : down("Kubernetes API answered HTTP " + response.code());
      }
    } catch (java.io.InterruptedIOException e) {
      return down("Kubernetes API did not answer within " + timeout.toSeconds() + " s");
    } catch (Exception e) {
      return down("Kubernetes API not reachable: " + e.getClass().getSimpleName());
    }
  }

  private static Health down(String reason) {
    return Health.down().withDetail("reason", reason).build();
  }
}
