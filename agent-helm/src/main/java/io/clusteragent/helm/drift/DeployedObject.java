package io.clusteragent.helm.drift;

import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A rendered object next to what the cluster holds for it.
 *
 * @param namespace where it lives: the manifest's, the release's when the manifest names none and
 *     the type is namespaced, {@code ""} for a cluster-scoped type
 * @param resource the REST resource of its type; empty when the API server serves no such type
 * @param live the object in the cluster; empty when there is none
 */
record DeployedObject(
    RenderedObject rendered,
    String namespace,
    Optional<ApiResource> resource,
    Optional<JsonNode> live) {

  String uid() {
    return live.map(o -> o.path("metadata").path("uid").asString("")).orElse("");
  }
}
