package io.clusteragent.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What each replica tells the platform periodically on {@link Subjects#heartbeat()}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Heartbeat(
    String clusterId,
    String instance,
    String agentVersion,
    String kubernetesVersion,
    Integer nodeCount,
    String publicIp,
    long sentAt) {}
