package io.clusteragent.natsbridge.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.background.FailureLog;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.settings.AgentLogLevel;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.core.settings.ReportedSettings;
import io.clusteragent.core.settings.Secret;
import io.clusteragent.natsbridge.BridgeSettings;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code info} reports what every feature's settings record contributes, including modules this one
 * cannot see.
 */
class InfoCommandTest {

  @Test
  void reportsTheSettingsOfEveryRecordButNeverTheToken() {
    CoreSettings core =
        new CoreSettings(
            AgentLogLevel.INFO, 7, 2, 590, new CoreSettings.Kubernetes(false, 3, 64, 128));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // no cluster: the facts are unknown (null), which is all this test needs from them
    ClusterFacts facts =
        new ClusterFacts(
            new KubernetesClients(core.kubernetes(), "/nonexistent/kubeconfig"),
            Clock.systemUTC(),
            new FailureLog(meters));
    BridgeSettings bridge =
        new BridgeSettings(
            URI.create("https://platform.example.test"),
            new Secret("planted-s3cret"),
            null,
            25,
            new BridgeSettings.PublicIp(true, URI.create("https://ip.example.test"), 3600, 5),
            false);
    PublicIpLookup publicIp = new PublicIpLookup(bridge.publicIp(), meters);
    // agent-proxy's record, which this module must not depend on, reaches the command the same way
    ReportedSettings proxy = () -> Map.of("k8sWatchEnabled", false);
    InfoCommand info =
        new InfoCommand(
            new AgentIdentity("agent-1", "dev"), facts, List.of(core, bridge, proxy), publicIp);

    JsonNode body = ((CommandResult.Ok) info.handle(null, null)).body();

    assertThat(body.path("settings").path("readWorkerCount").asInt()).isEqualTo(7);
    assertThat(body.path("settings").path("writeWorkerCount").asInt()).isEqualTo(2);
    assertThat(body.path("settings").path("k8sWatchEnabled").isBoolean()).isTrue();
    assertThat(body.path("settings").path("k8sWatchEnabled").asBoolean()).isFalse();
    assertThat(body.path("settings").path("natsWorkerMaxWorkers").asInt()).isEqualTo(25);
    assertThat(body.path("settings").path("publicIpReportingEnabled").asBoolean()).isTrue();
    assertThat(body.path("settings").size()).isEqualTo(5);
    assertThat(body.toString()).doesNotContain("planted-s3cret");
  }
}
