package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandRequest;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobBulkheads;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmSettings;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The helm.releases.* commands against the real API server, with the pinned helm. */
@WithTestEnvironment
class HelmReleasesTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  @TempDir Path work;

  private TestEnvironment env;
  private HelmBinary helm;
  private ReleaseLock locks;
  private ListReleasesCommand list;
  private ReleaseHistoryCommand history;
  private RollbackReleaseCommand rollback;
  private String namespace;

  @BeforeEach
  void handlers(TestEnvironment env) throws Exception {
    this.env = env;
    Map<String, String> agentEnvironment =
        Map.of("KUBECONFIG", env.adminKubeconfig().toString(), "PATH", System.getenv("PATH"));
    helm =
        new HelmBinary(
            new HelmSettings(env.helm(), Duration.ofMinutes(2), DataSize.ofMegabytes(8)),
            agentEnvironment,
            work.resolve("helm-home"),
            Clock.systemUTC());
    namespace =
        "helm-rel-"
            + SEQUENCE.incrementAndGet()
            + "-"
            + UUID.randomUUID().toString().substring(0, 6);
    env.kubectl("create", "namespace", namespace).assertSuccess();
    // the release's own namespace holds its Lease too: any existing namespace will do
    locks =
        new ReleaseLock(
            new ReleaseLeases(
                env::adminApiClient,
                namespace,
                "test-replica",
                ReleaseLeases.DEFAULT_DURATION,
                Clock.systemUTC()));
    list = new ListReleasesCommand(helm, JSON);
    history = new ReleaseHistoryCommand(helm, JSON);
    rollback = new RollbackReleaseCommand(helm, locks, JSON);
  }

  @Test
  void installedReleaseShowsUpInListAndHistory() throws Exception {
    env.helm("install", "greet", chart("0.1.0", false).toString(), "-n", namespace).assertSuccess();

    JsonNode inNamespace =
        body(
            list.handle(context(Actor.AGENT), JSON.createObjectNode().put("namespace", namespace)));
    assertThat(names(inNamespace.get("releases"))).containsExactly("greet");
    assertThat(inNamespace.get("releases").get(0).get("namespace").stringValue())
        .isEqualTo(namespace);

    JsonNode everywhere = body(list.handle(context(Actor.AGENT), null));
    assertThat(
            everywhere
                .get("releases")
                .valueStream()
                .map(r -> r.get("namespace").stringValue() + "/" + r.get("name").stringValue()))
        .contains(namespace + "/greet");

    JsonNode filtered =
        body(
            list.handle(
                context(Actor.AGENT),
                JSON.createObjectNode().put("namespace", namespace).put("filter", "^nomatch")));
    assertThat(filtered.get("releases").size()).isZero();

    JsonNode revisions = body(history.handle(context(Actor.AGENT), ref("greet"))).get("history");
    assertThat(revisions.size()).isEqualTo(1);
    assertThat(revisions.get(0).get("revision").intValue()).isEqualTo(1);
    assertThat(revisions.get(0).get("status").stringValue()).isEqualTo("deployed");
  }

  @Test
  void rollbackAfterUpgradeCreatesANewRevisionWithTheOldChart() throws Exception {
    env.helm("install", "greet", chart("0.1.0", false).toString(), "-n", namespace).assertSuccess();
    env.helm("upgrade", "greet", chart("0.2.0", false).toString(), "-n", namespace).assertSuccess();
    assertThat(configMapChartVersion("greet")).isEqualTo("0.2.0");

    JsonNode reply = body(rollback.handle(context(Actor.AGENT), ref("greet").put("revision", 1)));

    assertThat(reply.get("revision").intValue()).isEqualTo(3);
    assertThat(reply.get("rolledBackTo").intValue()).isEqualTo(1);
    assertThat(configMapChartVersion("greet")).isEqualTo("0.1.0");
    JsonNode revisions = body(history.handle(context(Actor.AGENT), ref("greet"))).get("history");
    assertThat(revisions.size()).isEqualTo(3);
    JsonNode last = revisions.get(2);
    assertThat(last.get("revision").intValue()).isEqualTo(3);
    assertThat(last.get("status").stringValue()).isEqualTo("deployed");
    assertThat(last.get("description").stringValue()).contains("Rollback to 1");
    assertThat(locks.isHeld(namespace, "greet")).isFalse();
  }

  @Test
  void userWithoutRbacIsForbidden() throws Exception {
    env.helm("install", "greet", chart("0.1.0", false).toString(), "-n", namespace).assertSuccess();
    Actor nobody = new Actor(env.nonAdminUser(), List.of());

    assertThat(codeOf(list, nobody, JSON.createObjectNode().put("namespace", namespace)))
        .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(codeOf(history, nobody, ref("greet"))).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(codeOf(rollback, nobody, ref("greet").put("revision", 1)))
        .isEqualTo(ErrorCode.FORBIDDEN);
    // Still only revision 1: the refused rollback changed nothing.
    assertThat(body(history.handle(context(Actor.AGENT), ref("greet"))).get("history").size())
        .isEqualTo(1);
  }

  @Test
  void unknownReleaseIsNotFoundAndBadNamesNeverReachHelm() {
    assertThat(codeOf(history, Actor.AGENT, ref("no-such-release"))).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(codeOf(rollback, Actor.AGENT, ref("no-such-release")))
        .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(
            codeOf(
                rollback,
                Actor.AGENT,
                JSON.createObjectNode().put("namespace", namespace).put("release", "Bad_Name")))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(
            codeOf(
                history,
                Actor.AGENT,
                JSON.createObjectNode().put("namespace", namespace).put("release", "--all")))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(
            codeOf(list, Actor.AGENT, JSON.createObjectNode().put("namespace", "Not A Namespace")))
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void rollbackWhileAnotherWriteHoldsTheReleaseIsAConflict() throws Exception {
    env.helm("install", "greet", chart("0.1.0", false).toString(), "-n", namespace).assertSuccess();
    try (ReleaseLock.Held held = locks.acquire(namespace, "greet")) {
      assertThat(codeOf(rollback, Actor.AGENT, ref("greet"))).isEqualTo(ErrorCode.CONFLICT);
    }
  }

  /**
   * A rollback with --wait to a revision whose Deployment can never be scheduled runs until
   * cancelled: meanwhile a second rollback of the release is refused with CONFLICT, and cancelling
   * through the dispatcher (which interrupts the job's thread) kills the helm process.
   */
  @Test
  void concurrentRollbackIsRefusedAndCancellationKillsHelm() throws Exception {
    env.helm("install", "stuck", chart("0.1.0", true).toString(), "-n", namespace).assertSuccess();
    env.helm("upgrade", "stuck", chart("0.2.0", false).toString(), "-n", namespace).assertSuccess();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    JobBulkheads bulkheads =
        new JobBulkheads(
            Map.of(
                JobClass.READ,
                2,
                JobClass.WRITE,
                2,
                JobClass.PROXY_UNARY,
                1,
                JobClass.PROXY_STREAM,
                1),
            meters);
    CommandDispatcher dispatcher =
        new CommandDispatcher(
            List.<CommandHandler>of(rollback), bulkheads, meters, Clock.systemUTC());
    try {
      CompletableFuture<CommandResult> slow =
          dispatcher.dispatch(
              new CommandRequest(
                  "slow-rollback",
                  rollback.type(),
                  Instant.now().plusSeconds(120),
                  Actor.AGENT,
                  ref("stuck").put("revision", 1).put("wait", true)));
      ProcessHandle helmProcess = awaitHelm("rollback");

      assertThat(codeOf(rollback, Actor.AGENT, ref("stuck").put("revision", 2)))
          .isEqualTo(ErrorCode.CONFLICT);
      assertThat(slow).isNotDone();

      assertThat(dispatcher.cancel("slow-rollback", new CloseReason.Cancelled("test cancels")))
          .isTrue();
      CommandResult result = slow.get(15, TimeUnit.SECONDS);
      assertThat(result).isInstanceOf(CommandResult.Failure.class);
      assertThat(((CommandResult.Failure) result).code()).isEqualTo(ErrorCode.CANCELLED);
      helmProcess.onExit().get(5, TimeUnit.SECONDS);
      assertThat(helmProcess.isAlive()).isFalse();
      assertThat(locks.isHeld(namespace, "stuck")).isFalse();
      // released on the cancelled (interrupted) thread too
      assertThat(
              new CoordinationV1Api(env.adminApiClient())
                  .listNamespacedLease(namespace)
                  .execute()
                  .getItems())
          .isEmpty();
    } finally {
      dispatcher.drain(Duration.ofSeconds(5));
    }
  }

  // ------------------------------------------------------------------ helpers

  /** A minimal chart: a ConfigMap, and optionally a Deployment that no node can ever run. */
  private Path chart(String version, boolean unschedulableDeployment) throws Exception {
    Path chart =
        work.resolve("chart-" + version + (unschedulableDeployment ? "-stuck" : ""))
            .resolve("greeting");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(
        chart.resolve("Chart.yaml"),
        """
        apiVersion: v2
        name: greeting
        version: %s
        """
            .formatted(version));
    Files.writeString(
        chart.resolve("templates/configmap.yaml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-greeting
        data:
          chartVersion: {{ .Chart.Version | quote }}
        """);
    if (unschedulableDeployment) {
      Files.writeString(
          chart.resolve("templates/deployment.yaml"),
          """
          apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: {{ .Release.Name }}-never-ready
          spec:
            replicas: 1
            selector:
              matchLabels: {app: never-ready}
            template:
              metadata:
                labels: {app: never-ready}
              spec:
                nodeSelector: {no-such-node-label: "true"}
                containers:
                - name: app
                  image: example.invalid/never:1
          """);
    }
    return chart;
  }

  private String configMapChartVersion(String release) {
    return env.kubectl(
            "get",
            "configmap",
            release + "-greeting",
            "-n",
            namespace,
            "-o",
            "jsonpath={.data.chartVersion}")
        .assertSuccess()
        .stdout()
        .strip();
  }

  private ObjectNode ref(String release) {
    return JSON.createObjectNode().put("namespace", namespace).put("release", release);
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

  private static List<String> names(JsonNode releases) {
    List<String> names = new ArrayList<>();
    releases.forEach(r -> names.add(r.get("name").stringValue()));
    return names;
  }

  private static ErrorCode codeOf(CommandHandler handler, Actor actor, JsonNode payload) {
    try {
      CommandResult result = handler.handle(context(actor), payload);
      throw new AssertionError("expected a failure, got " + result);
    } catch (CommandException e) {
      return e.code();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ProcessHandle awaitHelm(String subcommand) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<ProcessHandle> found =
          ProcessHandle.current()
              .children()
              .filter(ProcessHandle::isAlive)
              .filter(p -> p.info().command().map(c -> c.endsWith("/helm")).orElse(false))
              .filter(p ->
                  p.info()
                      .arguments()
                      .map(a -> a.length > 0 && a[0].equals(subcommand))
                      .orElse(false))
              .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no helm " + subcommand + " process appeared");
  }
}
