package io.clusteragent.core.settings;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Every process setting of the agent. The Helm chart passes them as {@code AGENT_*} environment
 * variables (relaxed binding: {@code AGENT_READ_WORKER_COUNT} binds {@code agent.read-worker-count});
 * the documented {@code extra_env} knobs keep their own names, mapped in {@code application.yaml}.
 *
 * <p>Constraint messages are phrased as "the accepted values" because {@link SettingsFailureAnalyzer}
 * prints them verbatim in the one-line start-up error.
 */
@ConfigurationProperties("agent")
@Validated
public record AgentProperties(
    @DefaultValue("https://platform.ankra.app") @NotNull(message = "an http:// or https:// URL") @HttpUrl URI ankraUrl,
    @DefaultValue("") Secret token,
    Path tokenFile,
    @DefaultValue("INFO") @NotNull(message = "one of DEBUG, INFO, WARNING, ERROR, CRITICAL") AgentLogLevel logLevel,
    @DefaultValue("15") @Min(value = 1, message = "an integer from 1 to 1000") @Max(value = 1000, message = "an integer from 1 to 1000") int natsWorkerMaxWorkers,
    @DefaultValue("5") @Min(value = 1, message = "an integer from 1 to 1000") @Max(value = 1000, message = "an integer from 1 to 1000") int readWorkerCount,
    @DefaultValue("5") @Min(value = 1, message = "an integer from 1 to 1000") @Max(value = 1000, message = "an integer from 1 to 1000") int writeWorkerCount,
    @DefaultValue("1") @Min(value = 1, message = "an integer >= 1") int replicaCount,
    @DefaultValue("590") @Min(value = 0, message = "an integer >= 0 (seconds)") int shutdownGracePeriodSeconds,
    @DefaultValue @Valid PublicIp publicIp,
    @DefaultValue @Valid K8sWatch k8sWatch,
    @DefaultValue @Valid Kubernetes kubernetes,
    @DefaultValue @Valid Reconcile reconcile) {

  public Duration shutdownGracePeriod() {
    return Duration.ofSeconds(shutdownGracePeriodSeconds);
  }

  /** Fleet-map reporting of the public egress IP; off unless asked for, so no lookup is ever made. */
  public record PublicIp(
      @DefaultValue("false") boolean reportingEnabled,
      @DefaultValue("https://api.ipify.org?format=json") @NotNull(message = "an http:// or https:// URL") @HttpUrl URI lookupUrl,
      @DefaultValue("3600") @Min(value = 1, message = "an integer >= 1 (seconds)") int refreshSeconds,
      @DefaultValue("5") @Min(value = 1, message = "an integer >= 1 (seconds)") int lookupTimeoutSeconds) {}

  public record K8sWatch(@DefaultValue("true") boolean enabled) {}

  /** The documented {@code extra_env} knobs for the Kubernetes API path and the kubectl proxy. */
  public record Kubernetes(
      @DefaultValue("false") boolean http2Enabled,
      @DefaultValue("3") @Min(value = 1, message = "an integer from 1 to 20") @Max(value = 20, message = "an integer from 1 to 20") int requestMaxAttempts,
      @DefaultValue("64") @Min(value = 1, message = "an integer >= 1") int proxyUnaryConcurrency,
      @DefaultValue("128") @Min(value = 1, message = "an integer >= 1") int proxyStreamConcurrency,
      @DefaultValue("false") boolean dynamicApiDiscoveryEnabled,
      @DefaultValue("120") @Min(value = 1, message = "an integer >= 1 (seconds)") int forwardServiceRequestMaxTimeoutSeconds) {}

  public record Reconcile(@DefaultValue("true") boolean autoHealEnabled) {}
}
