package io.clusteragent.proxy.discovery;

import java.util.Map;
import java.util.Set;

/**
 * The resource types every agent serves for browsing, whatever {@code
 * DYNAMIC_API_DISCOVERY_ENABLED} says: the workloads, networking, configuration, storage, RBAC and
 * policy types a cluster view needs. Keyed by group and resource, not version, so a cluster that
 * serves another version of a type (autoscaling/v2 or v1) still finds it here.
 */
public final class BuiltInCatalog {

  /** API group ({@code ""} for core) → resources (lower-case plurals). */
  static final Map<String, Set<String>> RESOURCES_BY_GROUP =
      Map.ofEntries(
          Map.entry(
              "",
              Set.of(
                  "pods",
                  "services",
                  "endpoints",
                  "configmaps",
                  "secrets",
                  "persistentvolumeclaims",
                  "persistentvolumes",
                  "namespaces",
                  "nodes",
                  "events",
                  "serviceaccounts",
                  "resourcequotas",
                  "limitranges")),
          Map.entry("apps", Set.of("deployments", "statefulsets", "daemonsets", "replicasets")),
          Map.entry("batch", Set.of("jobs", "cronjobs")),
          Map.entry("discovery.k8s.io", Set.of("endpointslices")),
          Map.entry("networking.k8s.io", Set.of("ingresses", "ingressclasses", "networkpolicies")),
          Map.entry("storage.k8s.io", Set.of("storageclasses")),
          Map.entry(
              "rbac.authorization.k8s.io",
              Set.of("roles", "rolebindings", "clusterroles", "clusterrolebindings")),
          Map.entry("autoscaling", Set.of("horizontalpodautoscalers")),
          Map.entry("policy", Set.of("poddisruptionbudgets")),
          Map.entry("events.k8s.io", Set.of("events")),
          Map.entry("apiextensions.k8s.io", Set.of("customresourcedefinitions")));

  private BuiltInCatalog() {}

  public static boolean contains(String group, String resource) {
    return RESOURCES_BY_GROUP.getOrDefault(group, Set.of()).contains(resource);
  }

  /** How many types the catalog names. */
  public static int size() {
    return RESOURCES_BY_GROUP.values().stream().mapToInt(Set::size).sum();
  }
}
