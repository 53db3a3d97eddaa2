package io.clusteragent.core;

import java.util.UUID;

/**
 * Who this replica is: a stable instance id (the pod name when running in Kubernetes, so logs and
 * the platform agree) and the agent version.
 */
public record AgentIdentity(String instanceId, String version) {

  public static AgentIdentity of(String podName) {
    String instance =
        podName != null && podName.matches("[A-Za-z0-9_-]{1,63}")
            ? podName
            : "agent-" + UUID.randomUUID().toString().substring(0, 8);
    String version = AgentIdentity.class.getPackage().getImplementationVersion();
    return new AgentIdentity(instance, version == null ? "dev" : version);
  }
}
