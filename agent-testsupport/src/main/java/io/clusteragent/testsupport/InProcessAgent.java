package io.clusteragent.testsupport;

import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A whole agent (every auto-configuration on the test's classpath: the NATS bridge and the feature
 * modules the test depends on) in the test JVM, connected to the test environment's nats-server and
 * API server as cluster {@code clusterId}.
 */
public final class InProcessAgent {

  private InProcessAgent() {}

  public static ConfigurableApplicationContext start(
      TestEnvironment env, String clusterId, Map<String, Object> extra) {
    SpringApplication app = new SpringApplication(AgentConfig.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    Map<String, Object> properties =
        new HashMap<>(
            Map.of(
                "agent.nats.servers", env.natsUrl(),
                "agent.platform-signing-keys", env.platformPublicKeys(),
                "agent.nats.cluster-id", clusterId,
                "agent.shutdown-grace-period-seconds", "5",
                "KUBECONFIG", env.adminKubeconfig().toString()));
    properties.putAll(extra);
    app.setDefaultProperties(properties);
    return app.run();
  }

  /** The agent serves once its subscription reached the server: until then, no responders. */
  public static void awaitServing(PlatformClient platform) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        if (platform.request("ping", null, Duration.ofSeconds(2)).ok()) {
          return;
        }
      } catch (NoReplyException e) {
        if (System.nanoTime() > until) {
          throw e;
        }
      }
      Thread.sleep(100);
    }
  }

  @Configuration
  @EnableAutoConfiguration
  static class AgentConfig {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }
}
