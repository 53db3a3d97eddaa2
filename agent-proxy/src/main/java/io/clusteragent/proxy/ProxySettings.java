package io.clusteragent.proxy;

import io.clusteragent.core.settings.ReportedSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
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
   * return) and {@code redact_secrets} (Secret values replaced by short digests unless a command
   * asks for them).
   */
  public record K8sWatch(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("true") boolean stripFields,
      @DefaultValue("true") boolean redactSecrets) {}
}
