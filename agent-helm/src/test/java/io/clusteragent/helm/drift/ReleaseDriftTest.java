package io.clusteragent.helm.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmSettings;
import io.clusteragent.helm.releases.ReleaseLeases;
import io.clusteragent.helm.releases.ReleaseLock;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Drift detection and prune against the real API server: releases installed by the real helm,
 * changed with kubectl the way people change them by hand.
 */
@WithTestEnvironment
class ReleaseDriftTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final String RELEASE = "site";

  @TempDir Path work;

  private TestEnvironment env;
  private HelmBinary helm;
  private ReleaseInspector inspector;
  private SimpleMeterRegistry meters;
  private ReleaseDriftCommand drift;
  private ReleasePruneCommand prune;
  private String namespace;

  @BeforeEach
  void handlers(TestEnvironment env) {
    this.env = env;
    helm =
        new HelmBinary(
            new HelmSettings(env.helm(), Duration.ofMinutes(2), DataSize.ofMegabytes(8)),
            Map.of("KUBECONFIG", env.adminKubeconfig().toString(), "PATH", System.getenv("PATH")),
            work.resolve("helm-home"),
            Clock.systemUTC());
    inspector = new ReleaseInspector(helm, env::adminApiClient, JSON);
    meters = new SimpleMeterRegistry();
    drift = new ReleaseDriftCommand(inspector, JSON, meters);
    namespace =
        "drift-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
    env.kubectl("create", "namespace", namespace).assertSuccess();
    prune = new ReleasePruneCommand(inspector, helm, locks(), JSON, meters);
  }

  // ------------------------------------------------------------------ drift

  @Test
  void aFreshReleaseHasNoDriftThoughTheApiServerDefaultedItsObjects() throws Exception {
    install(new TestChart("web", "0.1.0", false));

    JsonNode reply = drift(ref());

    assertThat(reply.path("drifted").booleanValue()).as(reply.toString()).isFalse();
    assertThat(reply.path("drift_resources").isEmpty()).isTrue();
    assertThat(reply.path("checked").intValue()).isEqualTo(2);
    assertThat(reply.path("namespace").asString()).isEqualTo(namespace);
    assertThat(meters.get("ankra.native.release.drift.detected").counter().count()).isZero();
  }

  @Test
  void aScaledDeploymentDriftsAtSpecReplicasUnlessThatIsIgnored() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    env.kubectl("scale", "deploy", RELEASE + "-web", "-n", namespace, "--replicas=3")
        .assertSuccess();

    JsonNode reply = drift(ref());

    assertThat(reply.path("drifted").booleanValue()).isTrue();
    assertThat(reply.path("drift_resources").size()).as(reply.toString()).isEqualTo(1);
    JsonNode web = reply.path("drift_resources").get(0);
    assertThat(web.path("api_version").asString()).isEqualTo("apps/v1");
    assertThat(web.path("kind").asString()).isEqualTo("Deployment");
    assertThat(web.path("namespace").asString()).isEqualTo(namespace);
    assertThat(web.path("name").asString()).isEqualTo(RELEASE + "-web");
    assertThat(web.path("drift_type").asString()).isEqualTo("modified");
    assertThat(web.path("paths").toString()).isEqualTo("[\"/spec/replicas\"]");
    assertThat(meters.get("ankra.native.release.drift.detected").counter().count()).isOne();

    ObjectNode ignoring = ref();
    ignoring
        .putArray("ignore")
        .addObject()
        .put("kind", "Deployment")
        .putArray("jsonPointers")
        .add("/spec/replicas");
    assertThat(drift(ignoring).path("drifted").booleanValue()).isFalse();

    ObjectNode otherName = ref();
    otherName
        .putArray("ignore")
        .addObject()
        .put("name", "another-web")
        .putArray("jsonPointers")
        .add("/spec/replicas");
    assertThat(drift(otherName).path("drifted").booleanValue()).isTrue();
  }

  @Test
  void aDeletedConfigMapIsMissing() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    env.kubectl("delete", "configmap", RELEASE + "-greeting", "-n", namespace).assertSuccess();

    JsonNode resources = drift(ref()).path("drift_resources");

    assertThat(resources.size()).as(resources.toString()).isEqualTo(1);
    assertThat(resources.get(0).path("kind").asString()).isEqualTo("ConfigMap");
    assertThat(resources.get(0).path("name").asString()).isEqualTo(RELEASE + "-greeting");
    assertThat(resources.get(0).path("drift_type").asString()).isEqualTo("missing");
    assertThat(resources.get(0).path("paths").isEmpty()).isTrue();
  }

  @Test
  void anEditedConfigMapKeyDriftsAtItsPathAndAnAddedKeyDoesNot() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    env.kubectl(
            "patch",
            "configmap",
            RELEASE + "-greeting",
            "-n",
            namespace,
            "--type=merge",
            "-p",
            "{\"data\":{\"greeting\":\"bye\",\"added\":\"by hand\"}}")
        .assertSuccess();

    JsonNode resources = drift(ref()).path("drift_resources");

    assertThat(resources.size()).as(resources.toString()).isEqualTo(1);
    assertThat(resources.get(0).path("drift_type").asString()).isEqualTo("modified");
    assertThat(resources.get(0).path("paths").toString()).isEqualTo("[\"/data/greeting\"]");
  }

  @Test
  void helmsOwnMetadataIsNotDriftButTheChartsLabelsAre() throws Exception {
    Path chart = work.resolve("labelled");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(
        chart.resolve("Chart.yaml"), "apiVersion: v2\nname: labelled\nversion: 0.1.0\n");
    Files.writeString(
        chart.resolve("templates/configmap.yaml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-labelled
          labels:
            tier: web
            app.kubernetes.io/managed-by: {{ .Release.Service }}
          annotations:
            meta.helm.sh/release-name: {{ .Release.Name }}
        data:
          a: "1"
        """);
    env.helm("install", RELEASE, chart.toString(), "-n", namespace).assertSuccess();
    String name = RELEASE + "-labelled";
    env.kubectl("label", "configmap", name, "-n", namespace, "app.kubernetes.io/managed-by-")
        .assertSuccess();
    env.kubectl(
            "annotate",
            "configmap",
            name,
            "-n",
            namespace,
            "meta.helm.sh/release-name-",
            "meta.helm.sh/release-namespace-")
        .assertSuccess();

    assertThat(drift(ref()).path("drifted").booleanValue()).isFalse();

    env.kubectl("label", "configmap", name, "-n", namespace, "--overwrite", "tier=db")
        .assertSuccess();
    assertThat(drift(ref()).path("drift_resources").get(0).path("paths").toString())
        .isEqualTo("[\"/metadata/labels/tier\"]");
  }

  @Test
  void anUnknownReleaseIsNotFound() {
    assertThat(codeOf(() -> drift(ref()))).isEqualTo(ErrorCode.NOT_FOUND);
  }

  // ------------------------------------------------------------------ prune

  @Test
  void anObjectCarryingTheReleasesOwnershipIsPrunedByUidAndDryRunOnlyReportsIt() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    String stale = ownedConfigMap(RELEASE + "-stale", RELEASE);
    ownedConfigMap("other-stale", "other");

    JsonNode dry = prune(ref().put("dryRun", true));
    assertThat(dry.path("pruned").size()).as(dry.toString()).isEqualTo(1);
    assertThat(dry.path("pruned").get(0).path("name").asString()).isEqualTo(RELEASE + "-stale");
    assertThat(dry.path("pruned").get(0).path("uid").asString()).isEqualTo(stale);
    assertThat(exists("configmap", RELEASE + "-stale")).isTrue();

    JsonNode reply = prune(ref());

    assertThat(reply.path("refused").isMissingNode()).as(reply.toString()).isTrue();
    assertThat(reply.path("pruned").size()).isEqualTo(1);
    JsonNode pruned = reply.path("pruned").get(0);
    assertThat(pruned.path("api_version").asString()).isEqualTo("v1");
    assertThat(pruned.path("kind").asString()).isEqualTo("ConfigMap");
    assertThat(pruned.path("namespace").asString()).isEqualTo(namespace);
    assertThat(pruned.path("uid").asString()).isEqualTo(stale);
    assertThat(exists("configmap", RELEASE + "-stale")).isFalse();
    // the release's own objects, and another release's, stay
    assertThat(exists("configmap", RELEASE + "-greeting")).isTrue();
    assertThat(exists("deployment", RELEASE + "-web")).isTrue();
    assertThat(exists("configmap", "other-stale")).isTrue();
    assertThat(meters.get("ankra.native.release.prune").counter().count()).isOne();
    assertThat(prune(ref()).path("pruned").isEmpty()).isTrue();
  }

  @Test
  void anObjectAnUpgradeDroppedIsKeptWhileTheChartSaysKeepAndPrunedOnceItNoLongerDoes()
      throws Exception {
    install(new TestChart("web", "0.1.0", true));
    env.kubectl(
            "annotate",
            "configmap",
            RELEASE + "-extra",
            "-n",
            namespace,
            "helm.sh/resource-policy=keep")
        .assertSuccess();
    env.helm(
            "upgrade",
            RELEASE,
            new TestChart("web", "0.2.0", false)
                .packageInto(env, work.resolve("charts"))
                .toString(),
            "-n",
            namespace)
        .assertSuccess();
    assertThat(exists("configmap", RELEASE + "-extra")).isTrue();

    assertThat(prune(ref()).path("pruned").isEmpty()).isTrue();
    assertThat(exists("configmap", RELEASE + "-extra")).isTrue();

    env.kubectl(
            "annotate",
            "configmap",
            RELEASE + "-extra",
            "-n",
            namespace,
            "helm.sh/resource-policy-")
        .assertSuccess();
    JsonNode reply = prune(ref());
    assertThat(reply.path("pruned").size()).as(reply.toString()).isEqualTo(1);
    assertThat(reply.path("pruned").get(0).path("name").asString()).isEqualTo(RELEASE + "-extra");
    assertThat(exists("configmap", RELEASE + "-extra")).isFalse();
  }

  @Test
  void aStaleCandidateNeverDeletesTheObjectRecreatedUnderItsName() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    String first = ownedConfigMap(RELEASE + "-stale", RELEASE);
    ReleaseInspection inspection = inspector.inspect(namespace, RELEASE, context(Actor.AGENT));
    List<PruneCandidate> candidates = inspection.pruneCandidates();
    assertThat(candidates).extracting(PruneCandidate::uid).containsExactly(first);

    env.kubectl("delete", "configmap", RELEASE + "-stale", "-n", namespace).assertSuccess();
    String second = ownedConfigMap(RELEASE + "-stale", RELEASE);
    assertThat(second).isNotEqualTo(first);

    assertThat(inspection.delete(candidates.getFirst()))
        .isEqualTo(ClusterObjects.DeleteOutcome.REPLACED);
    assertThat(uid("configmap", RELEASE + "-stale")).isEqualTo(second);

    env.kubectl("delete", "configmap", RELEASE + "-stale", "-n", namespace).assertSuccess();
    assertThat(inspection.delete(candidates.getFirst()))
        .isEqualTo(ClusterObjects.DeleteOutcome.GONE);
  }

  @Test
  void theMassDeletionGuardRefusesAndDeletesNothing() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    for (int i = 0; i < ReleasePrune.ALWAYS_ALLOWED + 1; i++) {
      ownedConfigMap(RELEASE + "-stale-" + i, RELEASE);
    }

    JsonNode reply = prune(ref());

    assertThat(reply.path("refused").asString())
        .as(reply.toString())
        .contains("refusing to prune 6 objects", "2 objects");
    assertThat(reply.path("pruned").isEmpty()).isTrue();
    for (int i = 0; i < ReleasePrune.ALWAYS_ALLOWED + 1; i++) {
      assertThat(exists("configmap", RELEASE + "-stale-" + i)).isTrue();
    }
    assertThat(meters.get("ankra.native.release.prune.refused").counter().count()).isOne();
    assertThat(meters.get("ankra.native.release.prune").counter().count()).isZero();
  }

  @Test
  void aUserWithoutRbacIsForbiddenAndPrunesNothing() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    ownedConfigMap(RELEASE + "-stale", RELEASE);
    Actor nobody = new Actor(env.nonAdminUser(), List.of());

    assertThat(codeOf(() -> body(drift.handle(context(nobody), ref()))))
        .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(codeOf(() -> body(prune.handle(context(nobody), ref()))))
        .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(exists("configmap", RELEASE + "-stale")).isTrue();
  }

  @Test
  void aPruneWhileAnotherWriteHoldsTheReleaseIsAConflict() throws Exception {
    install(new TestChart("web", "0.1.0", false));
    ReleaseLock locks = locks();
    ReleasePruneCommand locked = new ReleasePruneCommand(inspector, helm, locks, JSON, meters);
    try (ReleaseLock.Held held = locks.acquire(namespace, RELEASE)) {
      assertThat(codeOf(() -> body(locked.handle(context(Actor.AGENT), ref()))))
          .isEqualTo(ErrorCode.CONFLICT);
    }
  }

  // ------------------------------------------------------------------ helpers

  private void install(TestChart chart) throws Exception {
    env.helm(
            "install",
            RELEASE,
            chart.packageInto(env, work.resolve("charts")).toString(),
            "-n",
            namespace)
        .assertSuccess();
  }

  /** A ConfigMap made by hand that carries {@code release}'s Helm ownership; returns its UID. */
  private String ownedConfigMap(String name, String release) {
    env.kubectl("create", "configmap", name, "-n", namespace, "--from-literal=k=v").assertSuccess();
    env.kubectl("label", "configmap", name, "-n", namespace, "app.kubernetes.io/managed-by=Helm")
        .assertSuccess();
    env.kubectl(
            "annotate",
            "configmap",
            name,
            "-n",
            namespace,
            "meta.helm.sh/release-name=" + release,
            "meta.helm.sh/release-namespace=" + namespace)
        .assertSuccess();
    return uid("configmap", name);
  }

  private String uid(String kind, String name) {
    return env.kubectl("get", kind, name, "-n", namespace, "-o", "jsonpath={.metadata.uid}")
        .assertSuccess()
        .stdout()
        .strip();
  }

  private boolean exists(String kind, String name) {
    return env.kubectl("get", kind, name, "-n", namespace, "-o", "name").exitCode() == 0;
  }

  private ObjectNode ref() {
    return JSON.createObjectNode().put("namespace", namespace).put("release", RELEASE);
  }

  private JsonNode drift(JsonNode payload) throws Exception {
    return body(drift.handle(context(Actor.AGENT), payload));
  }

  private JsonNode prune(JsonNode payload) throws Exception {
    return body(prune.handle(context(Actor.AGENT), payload));
  }

  private static CommandContext context(Actor actor) {
    return new CommandContext(
        UUID.randomUUID().toString(),
        Instant.now().plusSeconds(120),
        actor,
        StreamSink.NONE,
        new Cancellation());
  }

  private static JsonNode body(CommandResult result) {
    assertThat(result).isInstanceOf(CommandResult.Ok.class);
    return ((CommandResult.Ok) result).body();
  }

  @FunctionalInterface
  private interface Call {
    Object run() throws Exception;
  }

  private static ErrorCode codeOf(Call call) {
    try {
      throw new AssertionError("expected a failure, got " + call.run());
    } catch (CommandException e) {
      return e.code();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Release locks whose Leases live in the test's namespace. */
  private ReleaseLock locks() {
    return new ReleaseLock(
        new ReleaseLeases(
            env::adminApiClient,
            namespace,
            "test-replica",
            ReleaseLeases.DEFAULT_DURATION,
            java.time.Clock.systemUTC()));
  }
}
