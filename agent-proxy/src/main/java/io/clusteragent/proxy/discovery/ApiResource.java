package io.clusteragent.proxy.discovery;

import java.util.List;

/**
 * One resource type the cluster serves, in the version the API server prefers: what {@code kubectl
 * api-resources} prints.
 */
public record ApiResource(
    String group,
    String version,
    String resource,
    String kind,
    boolean namespaced,
    List<String> verbs,
    String singular,
    List<String> shortNames) {}
