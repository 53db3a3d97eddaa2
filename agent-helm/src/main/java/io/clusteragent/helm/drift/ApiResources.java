package io.clusteragent.helm.drift;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.Names;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Which REST resource serves an apiVersion and kind, from the API server's discovery ({@code
 * /api/v1}, {@code /apis/{group}/{version}}), read once per group version and kept for one run: a
 * release's objects share a handful of group versions, and a type can appear or go (a CRD) between
 * runs. client-java's {@code Discovery} would read every group up front.
 */
final class ApiResources {

  private final ClusterObjects cluster;
  private final Map<String, Map<String, ApiResource>> byGroupVersion = new HashMap<>();

  ApiResources(ClusterObjects cluster) {
    this.cluster = cluster;
  }

  /** The resource of {@code kind} in {@code apiVersion}; empty when the API server serves none. */
  Optional<ApiResource> find(String apiVersion, String kind) throws CommandException {
    if (!addressable(apiVersion)) {
      return Optional.empty();
    }
    Map<String, ApiResource> kinds = byGroupVersion.get(apiVersion);
    if (kinds == null) {
      kinds = read(apiVersion);
      byGroupVersion.put(apiVersion, kinds);
    }
    return Optional.ofNullable(kinds.get(kind));
  }

  private Map<String, ApiResource> read(String apiVersion) throws CommandException {
    String path = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
    Optional<JsonNode> list = cluster.get(path, "discover the types of " + apiVersion);
    Map<String, ApiResource> kinds = new HashMap<>();
    if (list.isEmpty()) {
      // a group version the API server does not serve (a CRD not installed): no kinds
      return kinds;
    }
    for (JsonNode resource : list.get().path("resources")) {
      String name = resource.path("name").asString("");
      // "deployments/scale", "pods/log": subresources, not the objects themselves
      if (name.isEmpty() || name.contains("/")) {
        continue;
      }
      String kind = resource.path("kind").asString("");
      kinds.putIfAbsent(
          kind,
          new ApiResource(apiVersion, kind, name, resource.path("namespaced").asBoolean(false)));
    }
    return kinds;
  }

  /** {@code v1} or {@code group/version} with valid names, so it is always two path segments. */
  private static boolean addressable(String apiVersion) {
    String[] parts = apiVersion.split("/", -1);
    return switch (parts.length) {
      case 1 -> Names.DNS_LABEL.accepts(parts[0]);
      case 2 -> Names.DNS_SUBDOMAIN.accepts(parts[0]) && Names.DNS_LABEL.accepts(parts[1]);
      default -> false;
    };
  }
}
