package io.clusteragent.helm.drift;

/**
 * One type the API server serves, as its discovery lists it: enough to build the REST path of an
 * object of it.
 *
 * @param apiVersion {@code v1}, {@code apps/v1}
 * @param plural the resource name in the URL ({@code deployments})
 */
record ApiResource(String apiVersion, String kind, String plural, boolean namespaced) {

  /** The collection's path: in {@code namespace} when the type is namespaced, else cluster-wide. */
  String collectionPath(String namespace) {
    String root = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
    return namespaced && !namespace.isEmpty()
        ? root + "/namespaces/" + namespace + "/" + plural
        : root + "/" + plural;
  }

  String objectPath(String namespace, String name) {
    return collectionPath(namespace) + "/" + name;
  }
}
