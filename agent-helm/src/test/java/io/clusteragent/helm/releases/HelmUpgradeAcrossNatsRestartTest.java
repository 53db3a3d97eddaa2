package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.StreamProtocolException;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.ReleaseSecrets;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * nats-server restarted while helm upgrades a release: the upgrade is a write, so the lost
 * connection must not stop it (killing helm mid-upgrade leaves the release pending until auto-heal
 * comes by). Helm runs to its own end (here its timeout, waiting for a Deployment no node can run),
 * the release is left failed rather than pending, and once NATS is back the platform gets helm's
 * answer as the stream's final frame.
 */
@WithTestEnvironment
class HelmUpgradeAcrossNatsRestartTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "helm-nats-restart";

  @TempDir Path work;

  @Test
  void anUpgradeRunsToItsOwnEndAcrossANatsRestartAndThePlatformGetsHelmsAnswer(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-nats");
    Path archive = new TestChart("web", "0.1.0", false).packageInto(env, work);
    env.helm("install", "web", archive.toString(), "-n", ns).assertSuccess();
    try (ConfigurableApplicationContext agent =
            InProcessAgent.start(
                env,
                CLUSTER,
                Map.of("agent.helm.binary", env.helm().toString(), "POD_NAMESPACE", ns));
        Connection nats = Nats.connect(env.reconnectingNatsOptions())) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      InProcessAgent.awaitServing(platform);
      try (PlatformStream stream =
          platform.openStream(
              "helm.releases.upgrade",
              neverReadyUpgrade(ns, archive, 25),
              8,
              Duration.ofMinutes(3))) {
        ReleaseSecrets.awaitStatus(env, ns, "pending-upgrade");

        TrustTally tally = TrustTally.ofThisBuild();
        String fault = tally.injected("nats-server restarted during a helm upgrade");
        env.restartNats();
        // a platform connection that lived through the restart may need a push to publish again
        platform.checkPath(Duration.ofSeconds(10));

        Frame terminal = null;
        boolean gapSeen = false;
        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (terminal == null && System.nanoTime() < until) {
          try {
            Frame frame = stream.next(Duration.ofSeconds(1));
            if (frame != null && frame.terminal()) {
              terminal = frame;
            }
          } catch (StreamProtocolException e) {
            // progress lost with the connection shows as a gap: the platform notices
            gapSeen |= e.violation() == StreamProtocolException.Violation.SEQUENCE_GAP;
            if (e.frame() != null && e.frame().terminal()) {
              terminal = e.frame();
            }
          }
        }
        tally.messagesLost(
            terminal == null ? 1 : 0, "a helm upgrade's answer across a NATS restart");
        String status = ReleaseSecrets.awaitSettled(env, ns, "web", 2);
        System.out.printf(
            "helm upgrade across a nats restart: release %s, final frame %s (gap seen: %s)%n",
            status, terminal == null ? "none" : terminal.kind(), gapSeen);
        assertThat(status).as("helm ran to its own end, nobody killed it").isEqualTo("failed");
        assertThat(terminal).as("the platform learns how the upgrade ended").isNotNull();
        assertThat(terminal.kind()).isEqualTo(FrameKind.ERROR);
        assertThat(terminal.error().code()).as("helm's own answer").isEqualTo("DEADLINE_EXCEEDED");
        tally.survived(fault);
      }
    }
  }

  /** An upgrade that waits for a Deployment no node can run: it holds until helm's timeout. */
  private static ObjectNode neverReadyUpgrade(String ns, Path archive, int timeoutSeconds)
      throws Exception {
    return JSON.createObjectNode()
        .put("namespace", ns)
        .put("release", "web")
        .put("archive", Base64.getEncoder().encodeToString(Files.readAllBytes(archive)))
        .put("values", "nodeSelector: {no-such-label: x}\n")
        .put("wait", true)
        .put("timeoutSeconds", timeoutSeconds);
  }
}
