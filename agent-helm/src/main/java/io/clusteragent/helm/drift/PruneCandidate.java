package io.clusteragent.helm.drift;

/**
 * An object that carries a release's Helm ownership but is not one the release's manifest renders
 * now: a leftover a prune may delete, by its UID.
 */
public record PruneCandidate(ApiResource resource, String namespace, String name, String uid) {

  public String describe() {
    return resource.apiVersion()
        + " "
        + resource.kind()
        + " "
        + (namespace.isEmpty() ? name : namespace + "/" + name);
  }
}
