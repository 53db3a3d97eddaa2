package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.StreamLines;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The packaged agent stopped (SIGTERM) while helm upgrades a release: the upgrade is a write, so it
 * gets the grace period, helm ends by itself (here by its own timeout, waiting for a Deployment
 * that can never be ready), the platform gets helm's answer rather than SHUTTING_DOWN, the release
 * is left failed rather than pending, and the process exits 0.
 */
@WithTestEnvironment
class HelmShutdownProcessIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "helm-shutdown";

  @TempDir Path work;

  @Test
  void sigtermLetsARunningUpgradeFinishWithinTheGracePeriod(TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-term");
    Path archive = new TestChart("web", "0.1.0", false).packageInto(env, work);
    env.helm("install", "web", archive.toString(), "-n", ns).assertSuccess();
    Path output = work.resolve("agent.log");
    Process agent = start(env, ns, output, Map.of("AGENT_SHUTDOWN_GRACE_PERIOD_SECONDS", "60"));
    String fault = null;
    try (Connection nats = Nats.connect(env.natsUrl())) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      PackagedAgent.awaitServing(platform, agent, output);
      try (PlatformStream stream =
          platform.openStream(
              "helm.releases.upgrade",
              neverReadyUpgrade(ns, archive, 8),
              8,
              Duration.ofMinutes(2))) {
        ReleaseSecrets.awaitStatus(env, ns, "pending-upgrade");
        TrustTally tally = TrustTally.ofThisBuild();
        fault = tally.injected("SIGTERM during a helm upgrade");
        agent.destroy(); // SIGTERM, as the kubelet sends it
        StreamLines lines = new StreamLines(stream, Duration.ofSeconds(60));
        String code = null;
        try {
          while (lines.next() != null) {
            // progress
          }
        } catch (StreamLines.StreamFailedException e) {
          code = e.code();
        }
        assertThat(code).as(Files.readString(output)).isEqualTo("DEADLINE_EXCEEDED");
      }
      assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(agent.exitValue()).as(Files.readString(output)).isZero();
      assertThat(
              env.kubectl(
                      "get",
                      "secret",
                      "sh.helm.release.v1.web.v2",
                      "-n",
                      ns,
                      "-o",
                      "jsonpath={.metadata.labels.status}")
                  .stdout())
          .isEqualTo("failed");
      TrustTally.ofThisBuild().survived(fault);
    } finally {
      agent.destroyForcibly();
    }
  }

  @Test
  void sigkillDuringAnUpgradeLeavesAPendingReleaseThatTheNextStartHeals(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-kill");
    Path archive = new TestChart("web", "0.1.0", false).packageInto(env, work);
    env.helm("install", "web", archive.toString(), "-n", ns).assertSuccess();
    // a restarted container keeps its pod name, so it may take over its own release Lease
    Map<String, String> sweep =
        Map.of(
            "POD_NAME", "agent-0",
            "AGENT_RECONCILE_STUCK_AFTER", "2s",
            "AGENT_RECONCILE_SWEEP_INTERVAL", "1s");
    Path firstLog = work.resolve("first.log");
    Process first = start(env, ns, firstLog, sweep);
    try (Connection nats = Nats.connect(env.natsUrl())) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      PackagedAgent.awaitServing(platform, first, firstLog);
      try (PlatformStream stream =
          platform.openStream(
              "helm.releases.upgrade",
              neverReadyUpgrade(ns, archive, 120),
              8,
              Duration.ofMinutes(3))) {
        ReleaseSecrets.awaitStatus(env, ns, "pending-upgrade");
        TrustTally.ofThisBuild().injected("SIGKILL during a helm upgrade");
        // what the kubelet does to a container past its grace, or the OOM killer: the JVM and
        // every process in the container, helm included, die at once
        List<ProcessHandle> tree = first.descendants().toList();
        first.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      first.destroyForcibly();
    }
    Thread.sleep(3000);
    assertThat(ReleaseSecrets.status(env, ns, "web", 2)).isEqualTo("pending-upgrade");

    Path secondLog = work.resolve("second.log");
    Process second = start(env, ns, secondLog, sweep);
    try {
      long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!"deployed".equals(ReleaseSecrets.status(env, ns, "web", 3))
          && System.nanoTime() < until) {
        Thread.sleep(250);
      }
      assertThat(ReleaseSecrets.status(env, ns, "web", 3))
          .as(Files.readString(secondLog))
          .isEqualTo("deployed");
      // helm keeps the interrupted revision's record as it was; the release is the latest one
      assertThat(env.helm("status", "web", "-n", ns).stdout()).contains("STATUS: deployed");
      assertThat(
              env.kubectl(
                      "get",
                      "events",
                      "-n",
                      ns,
                      "--field-selector=reason=ReleaseHealed",
                      "-o",
                      "name")
                  .stdout())
          .isNotBlank();
      TrustTally.ofThisBuild().survived("SIGKILL during a helm upgrade");
    } finally {
      second.destroy();
      second.waitFor(60, TimeUnit.SECONDS);
      second.destroyForcibly();
    }
  }

  private static Process start(
      TestEnvironment env, String ns, Path output, Map<String, String> extra) throws Exception {
    Map<String, String> environment =
        PackagedAgent.environment(env, CLUSTER, PackagedAgent.freePort());
    environment.put("POD_NAMESPACE", ns);
    environment.putAll(extra);
    return PackagedAgent.start(List.of("-Xmx128m", "-XX:+UseSerialGC"), environment, output);
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
