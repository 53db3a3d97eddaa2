package io.clusteragent.natsbridge.checkin;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.protocol.Heartbeat;
import io.clusteragent.protocol.Subjects;
import io.nats.client.Connection;
import java.time.Clock;
import tools.jackson.databind.json.JsonMapper;

/** What each replica tells the platform periodically: who it is, cluster facts, the public IP. */
public final class Heartbeats {

  private final NatsSession session;
  private final AgentIdentity identity;
  private final ClusterFacts facts;
  private final PublicIpLookup publicIp;
  private final JsonMapper json;
  private final Clock clock;

  public Heartbeats(
      NatsSession session,
      AgentIdentity identity,
      ClusterFacts facts,
      PublicIpLookup publicIp,
      JsonMapper json,
      Clock clock) {
    this.session = session;
    this.identity = identity;
    this.facts = facts;
    this.publicIp = publicIp;
    this.json = json;
    this.clock = clock;
  }

  /** Publishes one heartbeat; does nothing before the first connection. */
  public void publish() {
    Connection connection = session.connection();
    Subjects subjects = session.subjects();
    if (connection == null || subjects == null) {
      return;
    }
    ClusterFacts.Snapshot snapshot = facts.snapshot();
    Heartbeat heartbeat =
        new Heartbeat(
            subjects.clusterId(),
            identity.instanceId(),
            identity.version(),
            snapshot.kubernetesVersion(),
            snapshot.nodeCount(),
            publicIp.current(),
            clock.millis());
    connection.publish(subjects.heartbeat(), json.writeValueAsBytes(heartbeat));
  }

  /** What check-in reports about this replica. */
  public PlatformCheckIn.Report report() {
    ClusterFacts.Snapshot snapshot = facts.snapshot();
    return new PlatformCheckIn.Report(
        identity.instanceId(),
        identity.version(),
        snapshot.kubernetesVersion(),
        snapshot.nodeCount(),
        publicIp.current());
  }
}
