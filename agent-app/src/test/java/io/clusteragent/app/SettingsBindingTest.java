package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.settings.AgentLogLevel;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.core.settings.DocumentedEnvironment;
import io.clusteragent.core.settings.SettingsFailureAnalyzer;
import io.clusteragent.helm.ReleaseSettings;
import io.clusteragent.natsbridge.BridgeSettings;
import io.clusteragent.proxy.ProxySettings;
import io.clusteragent.proxy.resources.WatchForwarding;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
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
 * rules Spring applies to the real one, and start the real application configuration, so every
 * feature's settings record is bound as in production.
 */
class SettingsBindingTest {

  /** The settings records of all modules, as one agent process binds them. */
  private record Bound(
      CoreSettings core, BridgeSettings bridge, ProxySettings proxy, ReleaseSettings release) {}

  private static Bound bind(Map<String, Object> env) {
    try (ConfigurableApplicationContext context = start(env, new StandardEnvironment())) {
      return new Bound(
          context.getBean(CoreSettings.class),
          context.getBean(BridgeSettings.class),
          context.getBean(ProxySettings.class),
          context.getBean(ReleaseSettings.class));
    }
  }

  private static ConfigurableApplicationContext start(
      Map<String, Object> env, StandardEnvironment environment) {
    MutablePropertySources sources = environment.getPropertySources();
    Map<String, Object> full = new HashMap<>(env);
    full.putIfAbsent("SERVER_PORT", "0");
    sources.replace(
        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, full));
    SpringApplication app = new SpringApplication(AgentApplication.class);
    app.setEnvironment(environment);
    app.setWebApplicationType(WebApplicationType.NONE);
    return app.run();
  }

  @Test
  void documentedDefaults() {
    Bound p = bind(Map.of());
    assertThat(p.bridge().ankraUrl()).isEqualTo(URI.create("https://platform.ankra.app"));
    assertThat(p.bridge().token().isEmpty()).isTrue();
    assertThat(p.core().logLevel()).isEqualTo(AgentLogLevel.INFO);
    assertThat(p.bridge().natsWorkerMaxWorkers()).isEqualTo(15);
    assertThat(p.core().readWorkerCount()).isEqualTo(5);
    assertThat(p.core().writeWorkerCount()).isEqualTo(5);
    assertThat(p.core().shutdownGracePeriodSeconds()).isEqualTo(590);
    assertThat(p.bridge().publicIp().reportingEnabled()).isFalse();
    assertThat(p.bridge().publicIp().lookupUrl())
        .isEqualTo(URI.create("https://api.ipify.org?format=json"));
    assertThat(p.bridge().publicIp().refreshSeconds()).isEqualTo(3600);
    assertThat(p.bridge().publicIp().lookupTimeoutSeconds()).isEqualTo(5);
    assertThat(p.proxy().k8sWatch().enabled()).isTrue();
    assertThat(p.proxy().k8sWatch().stripFields()).isTrue();
    assertThat(p.proxy().k8sWatch().redactSecrets()).isTrue();
    assertThat(p.proxy().k8sWatch().forwarding()).isEqualTo(WatchForwarding.DEFAULTS);
    assertThat(p.core().kubernetes().http2Enabled()).isFalse();
    assertThat(p.core().kubernetes().requestMaxAttempts()).isEqualTo(3);
    assertThat(p.core().kubernetes().proxyUnaryConcurrency()).isEqualTo(64);
    assertThat(p.core().kubernetes().proxyStreamConcurrency()).isEqualTo(128);
    assertThat(p.proxy().dynamicApiDiscoveryEnabled()).isFalse();
    assertThat(p.proxy().forwardServiceRequestMaxTimeoutSeconds()).isEqualTo(120);
    assertThat(p.release().autoHealEnabled()).isTrue();
    assertThat(p.release().sweepInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.release().stuckAfter()).isEqualTo(Duration.ofMinutes(10));
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
    env.put("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "42");
    env.put("AGENT_PUBLIC_IP_REPORTING_ENABLED", "true");
    env.put("AGENT_PUBLIC_IP_LOOKUP_URL", "http://127.0.0.1:9/ip");
    env.put("AGENT_PUBLIC_IP_REFRESH_SECONDS", "60");
    env.put("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "2");
    env.put("AGENT_K8S_WATCH_ENABLED", "false");
    env.put("AGENT_K8S_WATCH_STRIP_FIELDS", "false");
    env.put("AGENT_K8S_WATCH_REDACT_SECRETS", "false");
    env.put("AGENT_K8S_WATCH_BATCH_SIZE", "7");
    env.put("AGENT_K8S_WATCH_BATCH_TIMEOUT_MS", "250");
    env.put("AGENT_K8S_WATCH_MAX_EVENTS_PER_SEC", "50");
    env.put("AGENT_K8S_WATCH_TIMEOUT_SECONDS", "60");
    env.put("AGENT_K8S_WATCH_RECONNECT_DELAY_MS", "200");
    env.put("AGENT_K8S_WATCH_MAX_RECONNECT_DELAY_MS", "4000");
    env.put("AGENT_DYNAMIC_API_DISCOVERY_ENABLED", "true");
    Bound p = bind(env);
    assertThat(p.bridge().ankraUrl())
        .isEqualTo(URI.create("http://platform.example.test:8443/base"));
    assertThat(p.bridge().token().reveal()).isEqualTo("tok-123");
    assertThat(p.bridge().tokenFile()).isEqualTo(Path.of("/var/run/secrets/ankra-agent/token"));
    assertThat(p.core().logLevel()).isEqualTo(AgentLogLevel.WARNING);
    assertThat(p.bridge().natsWorkerMaxWorkers()).isEqualTo(25);
    assertThat(p.core().readWorkerCount()).isEqualTo(7);
    assertThat(p.core().writeWorkerCount()).isEqualTo(3);
    assertThat(p.core().shutdownGracePeriodSeconds()).isEqualTo(42);
    assertThat(p.bridge().publicIp().reportingEnabled()).isTrue();
    assertThat(p.bridge().publicIp().lookupUrl()).isEqualTo(URI.create("http://127.0.0.1:9/ip"));
    assertThat(p.bridge().publicIp().refreshSeconds()).isEqualTo(60);
    assertThat(p.bridge().publicIp().lookupTimeoutSeconds()).isEqualTo(2);
    assertThat(p.proxy().k8sWatch().enabled()).isFalse();
    assertThat(p.proxy().k8sWatch().stripFields()).isFalse();
    assertThat(p.proxy().k8sWatch().redactSecrets()).isFalse();
    assertThat(p.proxy().k8sWatch().forwarding())
        .isEqualTo(
            new WatchForwarding(
                7,
                Duration.ofMillis(250),
                50,
                Duration.ofSeconds(60),
                Duration.ofMillis(200),
                Duration.ofMillis(4000)));
    assertThat(p.proxy().dynamicApiDiscoveryEnabled()).isTrue();
  }

  /** Each documented extra_env name, a non-default value for it, and where that value must land. */
  private static final Map<String, Map.Entry<String, Function<Bound, Object>>> EXTRA_ENV =
      extraEnv();

  private static Map<String, Map.Entry<String, Function<Bound, Object>>> extraEnv() {
    Map<String, Map.Entry<String, Function<Bound, Object>>> m = new LinkedHashMap<>();
    m.put("KUBERNETES_HTTP2_ENABLED", Map.entry("true", p -> p.core().kubernetes().http2Enabled()));
    m.put(
        "KUBERNETES_REQUEST_MAX_ATTEMPTS",
        Map.entry("5", p -> p.core().kubernetes().requestMaxAttempts()));
    m.put(
        "KUBE_PROXY_UNARY_CONCURRENCY",
        Map.entry("10", p -> p.core().kubernetes().proxyUnaryConcurrency()));
    m.put(
        "KUBE_PROXY_STREAM_CONCURRENCY",
        Map.entry("20", p -> p.core().kubernetes().proxyStreamConcurrency()));
    m.put(
        "DYNAMIC_API_DISCOVERY_ENABLED",
        Map.entry("true", p -> p.proxy().dynamicApiDiscoveryEnabled()));
    m.put("RECONCILE_AUTO_HEAL_ENABLED", Map.entry("false", p -> p.release().autoHealEnabled()));
    m.put(
        "FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS",
        Map.entry("30", p -> p.proxy().forwardServiceRequestMaxTimeoutSeconds()));
    return m;
  }

  @Test
  void theMappingHoldsExactlyTheDocumentedExtraEnvNames() {
    // the "Advanced tuning via extra_env" table of the docs, in its order
    assertThat(DocumentedEnvironment.PROPERTY_BY_ENV.keySet())
        .containsExactlyElementsOf(EXTRA_ENV.keySet());
  }

  @Test
  void everyDocumentedExtraEnvNameBinds() {
    Map<String, Object> env = new HashMap<>();
    EXTRA_ENV.forEach((name, expectation) -> env.put(name, expectation.getKey()));
    Bound defaults = bind(Map.of());
    Bound p = bind(env);
    EXTRA_ENV.forEach((name, expectation) -> {
      Object bound = expectation.getValue().apply(p);
      assertThat(String.valueOf(bound)).as(name).isEqualTo(expectation.getKey());
      assertThat(bound)
          .as("%s set to a value other than its default", name)
          .isNotEqualTo(expectation.getValue().apply(defaults));
    });
  }

  @Test
  void anAgentSpellingOfAnExtraEnvPropertyWinsOverTheDocumentedName() {
    // The documented name is placed right after the process environment: relaxed AGENT_* stays the
    // more specific spelling, as it was when application.yaml held
    // ${KUBERNETES_REQUEST_MAX_ATTEMPTS:3}.
    Bound p =
        bind(
            Map.of(
                "KUBERNETES_REQUEST_MAX_ATTEMPTS",
                "5",
                "AGENT_KUBERNETES_REQUEST_MAX_ATTEMPTS",
                "7"));
    assertThat(p.core().kubernetes().requestMaxAttempts()).isEqualTo(7);
  }

  @Test
  void replicaCountIsAChartValueTheAgentIgnores() {
    // The chart sizes the Deployment with replica_count; an older chart that still passes
    // AGENT_REPLICA_COUNT must not stop the agent.
    Bound p = bind(Map.of("AGENT_REPLICA_COUNT", "not-a-number"));
    assertThat(p.core().readWorkerCount()).isEqualTo(5);
  }

  @Test
  void invalidSettingsFailWithOneLineNamingTheSettingAndAcceptedValues() {
    assertThat(failure(Map.of("AGENT_READ_WORKER_COUNT", "0")))
        .isEqualTo(
            "invalid setting: read_worker_count (env AGENT_READ_WORKER_COUNT) = '0' is not accepted; expected an integer from 1 to 1000");
    assertThat(failure(Map.of("AGENT_LOG_LEVEL", "LOUD")))
        .isEqualTo(
            "invalid setting: log_level (env AGENT_LOG_LEVEL) = 'LOUD' is not accepted; expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
    assertThat(failure(Map.of("AGENT_ANKRA_URL", "ftp://platform.example.test")))
        .isEqualTo(
            "invalid setting: ankra_url (env AGENT_ANKRA_URL) = 'ftp://platform.example.test' is not accepted; expected an http:// or https:// URL");
    assertThat(failure(Map.of("AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS", "-1")))
        .isEqualTo(
            "invalid setting: public_ip.lookup_timeout_seconds (env AGENT_PUBLIC_IP_LOOKUP_TIMEOUT_SECONDS) = '-1' is not accepted; expected an integer >= 1 (seconds)");
    assertThat(failure(Map.of("AGENT_NATS_WORKER_MAX_WORKERS", "1001")))
        .isEqualTo(
            "invalid setting: nats_worker_max_workers (env AGENT_NATS_WORKER_MAX_WORKERS) = '1001' is not accepted; expected an integer from 1 to 1000");
    assertThat(failure(Map.of("AGENT_K8S_WATCH_ENABLED", "maybe")))
        .isEqualTo(
            "invalid setting: k8s_watch.enabled (env AGENT_K8S_WATCH_ENABLED) = 'maybe' is not accepted; expected true or false");
    assertThat(failure(Map.of("AGENT_K8S_WATCH_BATCH_SIZE", "0")))
        .isEqualTo(
            "invalid setting: k8s_watch.batch_size (env AGENT_K8S_WATCH_BATCH_SIZE) = '0' is not accepted; expected an integer >= 1 (events)");
  }

  @Test
  void anInvalidExtraEnvValueFailsWithOneLineNamingTheEnvName() {
    assertThat(failure(Map.of("KUBERNETES_HTTP2_ENABLED", "maybe")))
        .isEqualTo(
            "invalid setting: KUBERNETES_HTTP2_ENABLED = 'maybe' is not accepted; expected true or false");
    assertThat(failure(Map.of("KUBERNETES_REQUEST_MAX_ATTEMPTS", "zero")))
        .isEqualTo(
            "invalid setting: KUBERNETES_REQUEST_MAX_ATTEMPTS = 'zero' is not accepted; expected an integer");
    assertThat(failure(Map.of("KUBERNETES_REQUEST_MAX_ATTEMPTS", "21")))
        .isEqualTo(
            "invalid setting: KUBERNETES_REQUEST_MAX_ATTEMPTS = '21' is not accepted; expected an integer from 1 to 20");
    assertThat(failure(Map.of("KUBE_PROXY_UNARY_CONCURRENCY", "0")))
        .isEqualTo(
            "invalid setting: KUBE_PROXY_UNARY_CONCURRENCY = '0' is not accepted; expected an integer >= 1");
    assertThat(failure(Map.of("KUBE_PROXY_STREAM_CONCURRENCY", "many")))
        .isEqualTo(
            "invalid setting: KUBE_PROXY_STREAM_CONCURRENCY = 'many' is not accepted; expected an integer");
    assertThat(failure(Map.of("DYNAMIC_API_DISCOVERY_ENABLED", "maybe")))
        .isEqualTo(
            "invalid setting: DYNAMIC_API_DISCOVERY_ENABLED = 'maybe' is not accepted; expected true or false");
    assertThat(failure(Map.of("RECONCILE_AUTO_HEAL_ENABLED", "maybe")))
        .isEqualTo(
            "invalid setting: RECONCILE_AUTO_HEAL_ENABLED = 'maybe' is not accepted; expected true or false");
    assertThat(failure(Map.of("FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS", "0")))
        .isEqualTo(
            "invalid setting: FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS = '0' is not accepted; expected an integer >= 1 (seconds)");
  }

  @Test
  void unreadablePinnedSigningKeysAreOneLineNamingTheSetting() {
    assertThat(failure(Map.of("AGENT_PLATFORM_SIGNING_KEYS", "not-a-key")))
        .contains("AGENT_PLATFORM_SIGNING_KEYS")
        .contains("Ed25519 public keys");
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
