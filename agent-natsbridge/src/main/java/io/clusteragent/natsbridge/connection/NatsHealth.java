package io.clusteragent.natsbridge.connection;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Readiness part: up only while the NATS connection is connected and its round trip works. */
public final class NatsHealth implements HealthIndicator {

  private final NatsSession session;

  public NatsHealth(NatsSession session) {
    this.session = session;
  }

  @Override
  public Health health() {
    return session.isConnected()
        ? Health.up().build()
        : Health.down().withDetail("reason", session.problem()).build();
  }
}
