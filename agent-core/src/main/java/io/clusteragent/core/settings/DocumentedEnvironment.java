package io.clusteragent.core.settings;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The documented {@code extra_env} knobs. Users set them by these names (the chart appends {@code
 * extra_env} verbatim), which predate the {@code AGENT_*} convention and so do not reach a setting
 * by relaxed binding. This table is the one place the names are mapped: {@link
 * DocumentedEnvironmentPostProcessor} exposes each variable under its property name, and {@link
 * SettingsFailureAnalyzer} names a rejected value by the variable the user set. Defaults are not
 * here: they live in the {@code @DefaultValue}s of the settings record that owns the property.
 */
public final class DocumentedEnvironment {

  /** Environment variable → property, in the order of the documentation's extra_env table. */
  public static final SequencedMap<String, String> PROPERTY_BY_ENV =
      table(
          "KUBERNETES_HTTP2_ENABLED", "agent.kubernetes.http2-enabled",
          "KUBERNETES_REQUEST_MAX_ATTEMPTS", "agent.kubernetes.request-max-attempts",
          "KUBE_PROXY_UNARY_CONCURRENCY", "agent.kubernetes.proxy-unary-concurrency",
          "KUBE_PROXY_STREAM_CONCURRENCY", "agent.kubernetes.proxy-stream-concurrency",
          "DYNAMIC_API_DISCOVERY_ENABLED", "agent.dynamic-api-discovery-enabled",
          "RECONCILE_AUTO_HEAL_ENABLED", "agent.reconcile.auto-heal-enabled",
          "FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS",
              "agent.forward-service-request-max-timeout-seconds");

  private DocumentedEnvironment() {}

  /**
   * The documented variable that sets {@code property} (canonical form, e.g. {@code
   * agent.kubernetes.http2-enabled}).
   */
  public static Optional<String> envFor(String property) {
    return PROPERTY_BY_ENV.entrySet().stream()
        .filter(e -> e.getValue().equals(property))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  private static SequencedMap<String, String> table(String... envThenProperty) {
    LinkedHashMap<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < envThenProperty.length; i += 2) {
      map.put(envThenProperty[i], envThenProperty[i + 1]);
    }
    return Collections.unmodifiableSequencedMap(map);
  }
}
