package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.Heartbeat;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class ClusterDiscoveryTest {

  private static Heartbeat heartbeat(String cluster, String instance) {
    return new Heartbeat(cluster, instance, "2.0.0", "v1.33.0", 3, null, 1_000);
  }

  @Test
  void severalReplicasOfOneClusterAreTheOnlyAgent() {
    String cluster =
        ClusterDiscovery.onlyCluster(
            List.of(heartbeat("c1", "a"), heartbeat("c1", "b")), "agent", Duration.ofSeconds(31));

    assertThat(cluster).isEqualTo("c1");
  }

  @Test
  void noHeartbeatMeansNoAgentAndSaysHowToNameOne() {
    assertThatThrownBy(
            () -> ClusterDiscovery.onlyCluster(List.of(), "agent", Duration.ofSeconds(31)))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("agent.*.heartbeat")
        .hasMessageContaining("--cluster");
  }

  @Test
  void severalClustersAreAmbiguousAndAreListed() {
    assertThatThrownBy(() ->
            ClusterDiscovery.onlyCluster(
                List.of(heartbeat("c2", "a"), heartbeat("c1", "b")),
                "agent",
                Duration.ofSeconds(31)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("c1, c2");
  }

  @Test
  void aHeartbeatWithoutClusterIdTakesItFromItsSubject() {
    NatsMessage message =
        NatsMessage.builder()
            .subject("fleet.eu.prod-7.heartbeat")
            .data(
                "{\"instance\":\"a\",\"sentAt\":5,\"futureField\":1}"
                    .getBytes(StandardCharsets.UTF_8))
            .build();

    Heartbeat heartbeat = PlatformClient.readHeartbeat(message, "fleet.eu");

    assertThat(heartbeat.clusterId()).isEqualTo("prod-7");
    assertThat(heartbeat.instance()).isEqualTo("a");
  }

  @Test
  void unreadableHeartbeatsAreSkipped() {
    NatsMessage message =
        NatsMessage.builder()
            .subject("agent.c1.heartbeat")
            .data("nope".getBytes(StandardCharsets.UTF_8))
            .build();

    assertThat(PlatformClient.readHeartbeat(message, "agent")).isNull();
  }

  @Test
  void theAgentsTableHasOneLinePerReplica() {
    String table =
        AgentCtl.formatAgents(
            List.of(
                heartbeat("c1", "replica-a"), new Heartbeat("c1", "b", null, null, null, null, 0)),
            Instant.ofEpochMilli(6_000));

    assertThat(table.lines()).hasSize(3);
    assertThat(table.lines().toList().get(0)).startsWith("CLUSTER").contains("INSTANCE", "NODES");
    assertThat(table.lines().toList().get(1)).contains("replica-a", "v1.33.0", "5s ago");
    assertThat(table.lines().toList().get(2)).contains(" - ");
  }
}
