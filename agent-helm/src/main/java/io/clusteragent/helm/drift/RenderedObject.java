package io.clusteragent.helm.drift;

import tools.jackson.databind.JsonNode;

/**
 * One object of a release's manifest, as helm rendered it.
 *
 * @param namespace as the manifest says, {@code ""} when it names none
 */
record RenderedObject(
    String apiVersion, String kind, String namespace, String name, JsonNode body) {}
