package io.clusteragent.core.settings;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The settings of the shared machinery: log level, job bulkheads, shutdown grace and the Kubernetes
 * API path. The chart passes them as {@code AGENT_*} variables (relaxed binding: {@code
 * AGENT_READ_WORKER_COUNT} binds {@code agent.read-worker-count}); the documented {@code extra_env}
 * knobs of {@link Kubernetes} keep their own names, mapped in {@link DocumentedEnvironment}. Other
 * records share the "agent" prefix and bind only their fields.
 *
 * <p>Constraint messages are phrased as "the accepted values" because {@link
 * SettingsFailureAnalyzer} prints them verbatim in the one-line start-up error.
 */
@ConfigurationProperties("agent")
@Validated
public record CoreSettings(
    @DefaultValue("INFO") @NotNull(message = "one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        AgentLogLevel logLevel,
    @DefaultValue("5")
        @Min(value = 1, message = "an integer from 1 to 1000")
        @Max(value = 1000, message = "an integer from 1 to 1000")
        int readWorkerCount,
    @DefaultValue("5")
        @Min(value = 1, message = "an integer from 1 to 1000")
        @Max(value = 1000, message = "an integer from 1 to 1000")
        int writeWorkerCount,
    @DefaultValue("590") @Min(value = 0, message = "an integer >= 0 (seconds)")
        int shutdownGracePeriodSeconds,
    @DefaultValue @Valid Kubernetes kubernetes)
    implements ReportedSettings {

  public Duration shutdownGracePeriod() {
    return Duration.ofSeconds(shutdownGracePeriodSeconds);
  }

  @Override
  public Map<String, Object> reported() {
    return Map.of("readWorkerCount", readWorkerCount, "writeWorkerCount", writeWorkerCount);
  }

  /**
   * The documented {@code extra_env} knobs for the Kubernetes API path: {@code
   * KUBERNETES_HTTP2_ENABLED}, {@code KUBERNETES_REQUEST_MAX_ATTEMPTS}, {@code
   * KUBE_PROXY_UNARY_CONCURRENCY} and {@code KUBE_PROXY_STREAM_CONCURRENCY}. The two concurrencies
   * size the proxy bulkheads; the unary one also sizes the unary client's idle connection pool.
   */
  public record Kubernetes(
      @DefaultValue("false") boolean http2Enabled,
      @DefaultValue("3")
          @Min(value = 1, message = "an integer from 1 to 20")
          @Max(value = 20, message = "an integer from 1 to 20")
          int requestMaxAttempts,
      @DefaultValue("64") @Min(value = 1, message = "an integer >= 1") int proxyUnaryConcurrency,
      @DefaultValue("128") @Min(value = 1, message = "an integer >= 1")
          int proxyStreamConcurrency) {}
}
