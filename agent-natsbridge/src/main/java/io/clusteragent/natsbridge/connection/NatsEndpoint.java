package io.clusteragent.natsbridge.connection;

import io.clusteragent.protocol.Redaction;
import java.net.URI;
import java.util.List;

/** Where and as whom to connect, from direct settings or from the platform's check-in answer. */
public record NatsEndpoint(
    List<URI> servers,
    String clusterId,
    String subjectPrefix,
    NatsAuth auth,
    List<String> signingKeys) {

  public NatsEndpoint {
    servers = List.copyOf(servers);
    signingKeys = signingKeys == null ? List.of() : List.copyOf(signingKeys);
  }

  @Override
  public String toString() {
    // auth is left out (it holds credentials), and so is any user-info inside a server URL
    return Redaction.urls(
        "NatsEndpoint[servers="
            + servers
            + ", clusterId="
            + clusterId
            + ", subjectPrefix="
            + subjectPrefix
            + "]");
  }
}
