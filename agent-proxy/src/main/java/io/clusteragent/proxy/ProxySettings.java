package io.clusteragent.proxy;

import io.clusteragent.core.settings.ReportedSettings;
import io.clusteragent.proxy.resources.WatchForwarding;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Kubernetes-facing commands' settings. Prefix "agent", shared with other records (each binds
 * only its own fields): {@code agent.k8s-watch.enabled} ({@code AGENT_K8S_WATCH_ENABLED}), and the
 * documented {@code extra_env} knobs {@code DYNAMIC_API_DISCOVERY_ENABLED} and {@code
 * FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS}, mapped to their properties in {@link
 * io.clusteragent.core.settings.DocumentedEnvironment}.
 *
 * <p>{@code FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS} caps {@code service.request}. {@code
 * DYNAMIC_API_DISCOVERY_ENABLED} opens browsing to every type the cluster serves, CRDs included;
 * without it only the built-in catalog is served.
 *
 * <p>Constraint messages are phrased as "the accepted values": the start-up error prints them
 * verbatim.
 */
@ConfigurationProperties("agent")
@Validated
public record ProxySettings(
    @DefaultValue @Valid K8sWatch k8sWatch,
    @DefaultValue("false") boolean dynamicApiDiscoveryEnabled,
    @DefaultValue("120") @Min(value = 1, message = "an integer >= 1 (seconds)")
        int forwardServiceRequestMaxTimeoutSeconds)
    implements ReportedSettings {

  @Override
  public Map<String, Object> reported() {
    return Map.of(
        "k8sWatchEnabled", k8sWatch.enabled(),
        "stripFields", k8sWatch.stripFields(),
        "redactSecrets", k8sWatch.redactSecrets(),
        "dynamicApiDiscovery", dynamicApiDiscoveryEnabled);
  }

  /**
   * {@code k8s_watch.*}: {@code enabled} (when false, {@code resources.watch} refuses every watch),
   * {@code strip_fields} ({@code managedFields} removed from every object the browsing commands
   * return), {@code redact_secrets} (Secret values replaced by short digests unless a command asks
   * for them), and how a watch is forwarded: at most {@code batch_size} events per frame, a partial
   * batch held at most {@code batch_timeout_ms}, at most {@code max_events_per_sec} events a second
   * (beyond that the platform is told to relist), each API server watch connection ended after
   * {@code timeout_seconds} and re-opened, as is a dropped one, after {@code reconnect_delay_ms}
   * doubling up to {@code max_reconnect_delay_ms}.
   */
  public record K8sWatch(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("true") boolean stripFields,
      @DefaultValue("true") boolean redactSecrets,
      @DefaultValue("20") @Min(value = 1, message = "an integer >= 1 (events)") int batchSize,
      @DefaultValue("500") @Min(value = 1, message = "an integer >= 1 (milliseconds)")
          int batchTimeoutMs,
      @DefaultValue("500") @Min(value = 1, message = "an integer >= 1 (events per second)")
          int maxEventsPerSec,
      @DefaultValue("300") @Min(value = 1, message = "an integer >= 1 (seconds)")
          int timeoutSeconds,
      @DefaultValue("1000") @Min(value = 1, message = "an integer >= 1 (milliseconds)")
          int reconnectDelayMs,
      @DefaultValue("30000") @Min(value = 1, message = "an integer >= 1 (milliseconds)")
          int maxReconnectDelayMs) {

    /** How {@code resources.watch} forwards, from these settings. */
    public WatchForwarding forwarding() {
      return new WatchForwarding(
          batchSize,
          Duration.ofMillis(batchTimeoutMs),
          maxEventsPerSec,
          Duration.ofSeconds(timeoutSeconds),
          Duration.ofMillis(reconnectDelayMs),
          Duration.ofMillis(Math.max(reconnectDelayMs, maxReconnectDelayMs)));
    }
  }
}
