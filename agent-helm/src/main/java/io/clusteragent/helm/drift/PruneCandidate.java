package io.clusteragent.helm.drift;

/**
 * An object that carries a release's Helm ownership but is not one the release's manifest renders
 * now: a leftover a prune may delete, by its UID.
 */
record PruneCandidate(ApiResource resource, String namespace, String name, String uid) {

  String describe() {
    return resource.apiVersion()
        + " "
        + resource.kind()
        + " "
        + (namespace.isEmpty() ? name : namespace + "/" + name);
  }
}
