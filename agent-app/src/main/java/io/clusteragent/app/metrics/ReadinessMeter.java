package io.clusteragent.app.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * {@code agent_ready}: 1 while the readiness group, the one {@code /readyz} answers, is UP (NATS
 * connected, the API server answering, not shutting down), 0 otherwise. Prometheus scrapes {@code
 * /metrics}, not {@code /readyz}: without this an alert could not tell a running but unready agent
 * from a ready one. Read at scrape time from the same health group, so the two cannot disagree.
 */
@Component
final class ReadinessMeter implements MeterBinder {

  /** The readiness group of application.yaml, served at {@code /readyz}. */
  private static final String READINESS_GROUP = "readiness";

  private final HealthEndpoint health;

  ReadinessMeter(HealthEndpoint health) {
    this.health = health;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("agent.ready", this, ReadinessMeter::ready)
        .description("1 while /readyz is UP, 0 otherwise")
        .register(registry);
  }

  private double ready() {
    var group = health.healthForPath(READINESS_GROUP);
    return group != null && Status.UP.equals(group.getStatus()) ? 1 : 0;
  }
}
