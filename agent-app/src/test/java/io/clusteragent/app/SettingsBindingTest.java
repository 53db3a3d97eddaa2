package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.settings.AgentLogLevel;
import io.clusteragent.core.settings.AgentProperties;
import io.clusteragent.core.settings.SettingsFailureAnalyzer;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Settings arrive as environment variables from the chart. These tests replace the process
 * environment with a {@link SystemEnvironmentPropertySource}, the same source and relaxed-binding
 * rules Spring applies to the real one, and start the real application configuration.
 */
class SettingsBindingTest {

  private static AgentProperties bind(Map<String, Object> env) {
    try (ConfigurableApplicationContext context = start(env, new StandardEnvironment())) {
      return context.getBean(AgentProperties.class);
    }
  }

  private static ConfigurableApplicationContext start(Map<String, Object> env, StandardEnvironment environment) {
    MutablePropertySources sources = environment.getPropertySources();
    Map<String, Object> full = new HashMap<>(env);
    full.putIfAbsent("SERVER_PORT", "0");
    sources.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, full));
    SpringApplication app = new SpringApplication(AgentApplication.class);
    app.setEnvironment(environment);
    app.setWebApplicationType(WebApplicationType.NONE);
    return app.run();
  }

  @Test
  void documentedDefaults() {
    AgentProperties p = bind(Map.of());
    assertThat(p.ankraUrl()).isEqualTo(URI.create("https://platform.ankra.app"));
    assertThat(p.token().isEmpty()).isTrue();
    assertThat(p.logLevel()).isEqualTo(AgentLogLevel.INFO);
    assertThat(p.natsWorkerMaxWorkers()).isEqualTo(15);
    assertThat(p.readWorkerCount()).isEqualTo(5);
    assertThat(p.writeWorkerCount()).isEqualTo(5);
    assertThat(p.replicaCount()).isEqualTo(1);
    assertThat(p.publicIp().reportingEnabled()).isFalse();
    assertThat(p.publicIp().lookupUrl()).isEqualTo(URI.create("https://api.ipify.org?format=json"));
    assertThat(p.publicIp().refreshSeconds()).isEqualTo(3600);
    assertThat(p.publicIp().lookupTimeoutSeconds()).isEqualTo(5);
    assertThat(p.k8sWatch().enabled()).isTrue();
    assertThat(p.kubernetes().http2Enabled()).isFalse();
    assertThat(p.kubernetes().requestMaxAttempts()).isEqualTo(3);
    assertThat(p.kubernetes().proxyUnaryConcurrency()).isEqualTo(64);
    assertThat(p.kubernetes().proxyStreamConcurrency()).isEqualTo(128);
    assertThat(p.kubernetes().dynamicApiDiscoveryEnabled()).isFalse();
    assertThat(p.kubernetes().forwardServiceRequestMaxTimeoutSeconds()).isEqualTo(120);
    assertThat(p.reconcile().autoHealEnabled()).isTrue();
  }

  @Test
  void everySettingBindsFromItsEnvironmentVariable() {
    Map<String, Object> env = new HashMap<>();
    env.put("AGENT_ANKRA_URL", "http://platform.example.test:8443/base");
    env.put("AGENT_TOKEN", "tok-123");
    env.put("AGENT_TOKEN_FILE", "/var/run/secrets/ankra-agent/token");
    env.put("AGENT_LOG_LEVEL", "WARNING");
    env.put("AGENT_NATS_WORKER_MAX_WORKERS", "25");
    env.put("AGENT_READ_WORKER_COUNT", "7");
    env.put("AGENT_WRITE_WORKER_COUNT", "3");
    env.put("AGENT_REPLICA_COUNT", "2");
    env.put("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "42");
    env.put("AGENT_PUBLIC_IP_REPORTING_ENABLED", "true");
    env.put("AGENT_PUBLIC_IP_LOOKUP_URL", "http://127.0.0.1:9/ip");
    env.put("AGENT_PUBLIC_IP_REFRESH_SECONDS", "60");
    env.put("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "2");
    env.put("AGENT_K8S_WATCH_ENABLED", "false");
    env.put("KUBERNETES_HTTP2_ENABLED", "true");
    env.put("KUBERNETES_REQUEST_MAX_ATTEMPTS", "5");
    env.put("KUBE_PROXY_UNARY_CONCURRENCY", "10");
    env.put("KUBE_PROXY_STREAM_CONCURRENCY", "20");
    env.put("DYNAMIC_API_DISCOVERY_ENABLED", "true");
    env.put("RECONCILE_AUTO_HEAL_ENABLED", "false");
    env.put("FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS", "30");
    AgentProperties p = bind(env);
    assertThat(p.ankraUrl()).isEqualTo(URI.create("http://platform.example.test:8443/base"));
    assertThat(p.token().reveal()).isEqualTo("tok-123");
    assertThat(p.tokenFile()).isEqualTo(Path.of("/var/run/secrets/ankra-agent/token"));
    assertThat(p.logLevel()).isEqualTo(AgentLogLevel.WARNING);
    assertThat(p.natsWorkerMaxWorkers()).isEqualTo(25);
    assertThat(p.readWorkerCount()).isEqualTo(7);
    assertThat(p.writeWorkerCount()).isEqualTo(3);
    assertThat(p.replicaCount()).isEqualTo(2);
    assertThat(p.shutdownGracePeriodSeconds()).isEqualTo(42);
    assertThat(p.publicIp().reportingEnabled()).isTrue();
    assertThat(p.publicIp().lookupUrl()).isEqualTo(URI.create("http://127.0.0.1:9/ip"));
    assertThat(p.publicIp().refreshSeconds()).isEqualTo(60);
    assertThat(p.publicIp().lookupTimeoutSeconds()).isEqualTo(2);
    assertThat(p.k8sWatch().enabled()).isFalse();
    assertThat(p.kubernetes().http2Enabled()).isTrue();
    assertThat(p.kubernetes().requestMaxAttempts()).isEqualTo(5);
    assertThat(p.kubernetes().proxyUnaryConcurrency()).isEqualTo(10);
    assertThat(p.kubernetes().proxyStreamConcurrency()).isEqualTo(20);
    assertThat(p.kubernetes().dynamicApiDiscoveryEnabled()).isTrue();
    assertThat(p.kubernetes().forwardServiceRequestMaxTimeoutSeconds()).isEqualTo(30);
    assertThat(p.reconcile().autoHealEnabled()).isFalse();
  }

  @Test
  void invalidSettingsFailWithOneLineNamingTheSettingAndAcceptedValues() {
    assertThat(failure(Map.of("AGENT_READ_WORKER_COUNT", "0")))
        .isEqualTo("invalid setting: read_worker_count (env AGENT_READ_WORKER_COUNT) = '0' is not accepted; expected an integer from 1 to 1000");
    assertThat(failure(Map.of("AGENT_LOG_LEVEL", "LOUD")))
        .isEqualTo("invalid setting: log_level (env AGENT_LOG_LEVEL) = 'LOUD' is not accepted; expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
    assertThat(failure(Map.of("AGENT_ANKRA_URL", "ftp://platform.example.test")))
        .isEqualTo("invalid setting: ankra_url (env AGENT_ANKRA_URL) = 'ftp://platform.example.test' is not accepted; expected an http:// or https:// URL");
    assertThat(failure(Map.of("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "-1")))
        .isEqualTo("invalid setting: public_ip.lookup_timeout_seconds (env AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS) = '-1' is not accepted; expected an integer >= 1 (seconds)");
    assertThat(failure(Map.of("KUBERNETES_REQUEST_MAX_ATTEMPTS", "zero")))
        .isEqualTo("invalid setting: KUBERNETES_REQUEST_MAX_ATTEMPTS = 'zero' is not accepted; expected an integer");
  }

  private static String failure(Map<String, Object> env) {
    Throwable[] thrown = new Throwable[1];
    StandardEnvironment environment = new StandardEnvironment();
    assertThatThrownBy(() -> start(env, environment).close()).satisfies(t -> thrown[0] = t);
    FailureAnalysis analysis = new SettingsFailureAnalyzer(environment).analyze(thrown[0]);
    assertThat(analysis).as("analysis of %s", thrown[0]).isNotNull();
    return analysis.getDescription();
  }
}
