package io.clusteragent.cli;

import io.clusteragent.protocol.Heartbeat;
import java.util.Collection;
import java.util.NoSuchElementException;
import java.util.TreeSet;

/**
 * Picks "the only agent" when the user names no cluster; several replicas of one cluster count
 * once.
 */
final class ClusterDiscovery {

  private ClusterDiscovery() {}

  /**
   * The one cluster id among the heartbeats.
   *
   * @throws NoSuchElementException when no agent was heard (nothing to reach)
   * @throws IllegalStateException when several clusters were heard (the user must choose), naming
   *     them
   */
  static String onlyCluster(
      Collection<Heartbeat> heartbeats, String prefix, java.time.Duration listened) {
    TreeSet<String> clusters = new TreeSet<>();
    for (Heartbeat heartbeat : heartbeats) {
      clusters.add(heartbeat.clusterId());
    }
    if (clusters.isEmpty()) {
      throw new NoSuchElementException(
          "no agent heartbeat on "
              + io.clusteragent.protocol.Subjects.allHeartbeats(prefix)
              + " within "
              + listened.toSeconds()
              + " s; give --cluster or set AGENT_CLUSTER_ID");
    }
    if (clusters.size() > 1) {
      throw new IllegalStateException(
          "agents of several clusters are running ("
              + String.join(", ", clusters)
              + "); choose one with --cluster or AGENT_CLUSTER_ID");
    }
    return clusters.first();
  }
}
