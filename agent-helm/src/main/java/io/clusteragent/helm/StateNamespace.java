package io.clusteragent.helm;

import io.clusteragent.protocol.Names;

/**
 * Where the agent keeps what it must remember across replicas and restarts (stack state, release
 * Leases): its own namespace, from the downward API's {@code POD_NAMESPACE} (the chart sets it),
 * else {@code ankra}, the documented install namespace.
 */
public record StateNamespace(String name) {

  public static final String DEFAULT = "ankra";

  public StateNamespace {
    if (name == null || !Names.DNS_LABEL.accepts(name)) {
      throw new IllegalArgumentException(
          "POD_NAMESPACE must be a namespace name (a DNS label), got '" + name + "'");
    }
  }

  public static StateNamespace of(String podNamespace) {
    return new StateNamespace(
        podNamespace == null || podNamespace.isBlank() ? DEFAULT : podNamespace.strip());
  }
}
