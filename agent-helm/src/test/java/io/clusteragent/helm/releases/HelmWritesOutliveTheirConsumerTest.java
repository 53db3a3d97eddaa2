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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A helm upgrade whose consumer goes away: the platform stops granting credit past the stall
 * timeout, or its sync forgets the stream (a reap). Either stops a read; a write must not be
 * stopped, since killing helm mid-upgrade leaves the release pending until auto-heal. Through the
 * real nats-server and the real helm: helm runs to its end and the release is deployed, progress
 * the platform did not take is dropped (a sequence gap, a count), and the final frame still carries
 * helm's real answer. The upgrade waits for a Deployment no node can run until the test lets it run
 * (it drops the nodeSelector), so the test decides when helm finishes.
 */
@WithTestEnvironment
class HelmWritesOutliveTheirConsumerTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  // Also how long a finished write's final frame waits for a grant before it goes anyway: the
  // test must see "held" between helm's end and its grant, through kubectl polls on a busy machine.
  private static final Duration STALL = Duration.ofSeconds(8);

  @TempDir Path work;

  @Test
  void anUpgradeWhoseConsumerStalledRunsToItsEndAndTheOutcomeFollowsTheNextGrant(
      TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-stall");
    Path archive = installRevisionOne(env, ns);
    try (ConfigurableApplicationContext agent =
            InProcessAgent.start(
                env,
                "helm-write-stall",
                Map.of(
                    "agent.helm.binary",
                    env.helm().toString(),
                    "POD_NAMESPACE",
                    ns,
                    "agent.nats.stream-stall-timeout",
                    STALL.toSeconds() + "s"));
        Connection nats = Nats.connect(env.natsUrl())) {
      MeterRegistry meters = agent.getBean(MeterRegistry.class);
      PlatformClient platform =
          new PlatformClient(nats, "agent", "helm-write-stall", env.platformSigner());
      InProcessAgent.awaitServing(platform);
      try (PlatformStream stream =
          platform.openStream(
              "helm.releases.upgrade", heldUpgrade(ns, archive), 1, Duration.ofMinutes(3))) {
        stream.setAutoCredit(false); // one frame of credit, then none: a wedged consumer
        ReleaseSecrets.awaitStatus(env, ns, "pending-upgrade");

        TrustTally tally = TrustTally.ofThisBuild();
        String fault = tally.injected("the platform stopped granting credit to a helm upgrade");
        awaitCount(meters, "stalled", Duration.ofSeconds(30));
        Thread.sleep(STALL.toMillis()); // well past the stall timeout
        assertThat(helmStatus(env, ns).path("info").path("status").asString())
            .as("helm still runs past the stall timeout")
            .isEqualTo("pending-upgrade");
        Reading seen = new Reading();
        read(stream, seen, Duration.ofMillis(300), true);
        assertThat(seen.terminal).as("no final frame while helm runs").isNull();

        letTheUpgradeFinish(env, ns);
        String status = ReleaseSecrets.awaitSettled(env, ns, "web", 2);
        read(stream, seen, Duration.ofMillis(300), true);
        Frame beforeGrant = seen.terminal;
        long dropped = (long) count(meters, "stalled");

        stream.grant(8);
        long granted = System.nanoTime();
        read(stream, seen, Duration.ofSeconds(30), false);
        Reading afterGrant = seen;
        Duration finalAfterGrant = Duration.ofNanos(System.nanoTime() - granted);
        tally.messagesLost(afterGrant.terminal == null ? 1 : 0, "a stalled helm upgrade's answer");
        JsonNode helm = helmStatus(env, ns);
        System.out.printf(
            "helm upgrade with a stalled consumer: release %s (helm status %s, revision %s),"
                + " %d progress frames dropped, final frame %s %s after the grant (gap seen: %s)%n",
            status,
            helm.path("info").path("status").asString(),
            helm.path("version").asInt(),
            dropped,
            afterGrant.terminal == null ? "none" : afterGrant.terminal.kind(),
            finalAfterGrant,
            afterGrant.gapSeen);

        assertThat(status).as("helm ran to its own end, nobody killed it").isEqualTo("deployed");
        assertThat(helm.path("info").path("status").asString()).isEqualTo("deployed");
        assertThat(helm.path("version").asInt()).isEqualTo(2);
        assertThat(dropped).as("progress the platform did not take was dropped").isPositive();
        assertThat(beforeGrant).as("the outcome waits for the consumer's next grant").isNull();
        assertThat(afterGrant.terminal).as("the platform learns how the upgrade ended").isNotNull();
        assertThat(afterGrant.terminal.kind()).isEqualTo(FrameKind.END);
        assertThat(afterGrant.terminal.json().path("revision").asInt()).isEqualTo(2);
        assertThat(afterGrant.terminal.json().path("status").asString()).isEqualTo("deployed");
        assertThat(afterGrant.gapSeen).as("the dropped progress shows as a sequence gap").isTrue();
        tally.survived(fault);
      }
    }
  }

  @Test
  void anUpgradeWhoseStreamThePlatformForgotRunsToItsEndAndItsOutcomeIsStillSent(
      TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-reap");
    Path archive = installRevisionOne(env, ns);
    try (ConfigurableApplicationContext agent =
            InProcessAgent.start(
                env,
                "helm-write-reap",
                Map.of(
                    "agent.helm.binary",
                    env.helm().toString(),
                    "POD_NAMESPACE",
                    ns,
                    // a reap only takes streams older than one interval
                    "agent.nats.stream-sync-interval",
                    "2s"));
        Connection nats = Nats.connect(env.natsUrl())) {
      MeterRegistry meters = agent.getBean(MeterRegistry.class);
      PlatformClient platform =
          new PlatformClient(nats, "agent", "helm-write-reap", env.platformSigner());
      InProcessAgent.awaitServing(platform);
      try (PlatformStream stream =
          platform.openStream(
              "helm.releases.upgrade", heldUpgrade(ns, archive), 8, Duration.ofMinutes(3))) {
        ReleaseSecrets.awaitStatus(env, ns, "pending-upgrade");
        Thread.sleep(2500); // older than one sync interval

        TrustTally tally = TrustTally.ofThisBuild();
        String fault = tally.injected("the platform's sync forgot a running helm upgrade");
        platform.sync(List.of());
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (meters.counter("agent.streams.reaped").count() < 1 && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        Thread.sleep(1000);
        platform.sync(List.of()); // a later sync forgets it again: still one reap
        Thread.sleep(1000);
        double reaped = meters.counter("agent.streams.reaped").count();
        assertThat(helmStatus(env, ns).path("info").path("status").asString())
            .as("the reap did not kill helm")
            .isEqualTo("pending-upgrade");

        letTheUpgradeFinish(env, ns);
        Reading reading = new Reading();
        read(stream, reading, Duration.ofSeconds(90), false);
        tally.messagesLost(reading.terminal == null ? 1 : 0, "a reaped helm upgrade's answer");
        String status = ReleaseSecrets.awaitSettled(env, ns, "web", 2);
        JsonNode helm = helmStatus(env, ns);
        long dropped = (long) count(meters, "reaped");
        System.out.printf(
            "helm upgrade whose stream was reaped: %s reap(s), release %s (helm status %s,"
                + " revision %s), %d progress frames dropped, final frame %s (gap seen: %s)%n",
            (long) reaped,
            status,
            helm.path("info").path("status").asString(),
            helm.path("version").asInt(),
            dropped,
            reading.terminal == null ? "none" : reading.terminal.kind(),
            reading.gapSeen);

        assertThat(reaped).as("the agent reaped the stream, once").isEqualTo(1);
        assertThat(status).as("deployed, not left pending").isEqualTo("deployed");
        assertThat(helm.path("info").path("status").asString()).isEqualTo("deployed");
        assertThat(helm.path("version").asInt()).isEqualTo(2);
        assertThat(dropped).as("progress after the reap was dropped").isPositive();
        assertThat(reading.terminal).as("the outcome is sent anyway, once").isNotNull();
        assertThat(reading.terminal.kind()).isEqualTo(FrameKind.END);
        assertThat(reading.terminal.json().path("status").asString()).isEqualTo("deployed");
        assertThat(reading.gapSeen).isTrue();
        tally.survived(fault);
      }
    }
  }

  private Path installRevisionOne(TestEnvironment env, String ns) throws Exception {
    Path archive = new TestChart("web", "0.1.0", false).packageInto(env, work);
    env.helm("install", "web", archive.toString(), "-n", ns).assertSuccess();
    return archive;
  }

  /** An upgrade that waits for a Deployment no node can run, until the test lets it run. */
  private static ObjectNode heldUpgrade(String ns, Path archive) throws Exception {
    return JSON.createObjectNode()
        .put("namespace", ns)
        .put("release", "web")
        .put("archive", Base64.getEncoder().encodeToString(Files.readAllBytes(archive)))
        .put("values", "nodeSelector: {no-such-label: x}\n")
        .put("wait", true)
        .put("timeoutSeconds", 150);
  }

  /** Drops the nodeSelector behind helm's back: the pods run and helm's wait succeeds. */
  private static void letTheUpgradeFinish(TestEnvironment env, String ns) {
    env.kubectl(
            "patch",
            "deployment",
            "web-web",
            "-n",
            ns,
            "--type=json",
            "-p=[{\"op\":\"remove\",\"path\":\"/spec/template/spec/nodeSelector\"}]")
        .assertSuccess();
  }

  private static JsonNode helmStatus(TestEnvironment env, String ns) {
    return JSON.readTree(env.helm("status", "web", "-n", ns, "-o", "json").stdout());
  }

  private static double count(MeterRegistry meters, String reason) {
    Counter counter = meters.find("agent.streams.frames.dropped").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private static void awaitCount(MeterRegistry meters, String reason, Duration bound)
      throws InterruptedException {
    long until = System.nanoTime() + bound.toNanos();
    while (count(meters, reason) < 1 && System.nanoTime() < until) {
      Thread.sleep(100);
    }
  }

  /** Frames read so far: the final one, if any, and whether a sequence gap showed. */
  private static final class Reading {
    Frame terminal;
    boolean gapSeen;
  }

  /**
   * Reads into {@code reading} until the final frame, or for {@code bound}; with {@code
   * stopWhenQuiet}, until nothing arrived for {@code bound}.
   */
  private static void read(
      PlatformStream stream, Reading reading, Duration bound, boolean stopWhenQuiet)
      throws InterruptedException {
    long until = System.nanoTime() + bound.toNanos();
    while (reading.terminal == null && System.nanoTime() < until) {
      try {
        Frame frame = stream.next(stopWhenQuiet ? bound : Duration.ofSeconds(1));
        if (frame == null && stopWhenQuiet) {
          break;
        }
        if (frame != null && frame.terminal()) {
          reading.terminal = frame;
        }
      } catch (StreamProtocolException e) {
        reading.gapSeen |= e.violation() == StreamProtocolException.Violation.SEQUENCE_GAP;
        if (e.frame() != null && e.frame().terminal()) {
          reading.terminal = e.frame();
        }
      }
    }
  }
}
