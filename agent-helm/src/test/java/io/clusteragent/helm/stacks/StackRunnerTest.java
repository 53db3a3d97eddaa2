package io.clusteragent.helm.stacks;

import static io.clusteragent.helm.stacks.StackFixtures.a;
import static io.clusteragent.helm.stacks.StackFixtures.addon;
import static io.clusteragent.helm.stacks.StackFixtures.m;
import static io.clusteragent.helm.stacks.StackFixtures.manifest;
import static io.clusteragent.helm.stacks.StackFixtures.stack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StackRunnerTest {

  /** Generous: only a broken runner waits this long. */
  private static final long WAIT_SECONDS = 20;

  private static final BooleanSupplier NEVER = () -> false;

  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

  @AfterEach
  void stopBackground() {
    background.shutdownNow();
  }

  /**
   * A cluster in memory: apply installs a node (UNCHANGED when it is there already), delete removes
   * it (UNCHANGED when it is gone). Records every call, and runs an optional hook first so a test
   * can block, fail or cancel at a chosen node.
   */
  static final class FakeCluster implements StackStep {
    final Set<NodeRef> installed = ConcurrentHashMap.newKeySet();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final Map<NodeRef, Hook> hooks = new ConcurrentHashMap<>();

    interface Hook {
      Optional<StepOutcome> run(StackNode node) throws CommandException, InterruptedException;
    }

    @Override
    public StepOutcome apply(StackDefinition stack, StackNode node)
        throws CommandException, InterruptedException {
      events.add("start " + node.name());
      try {
        Hook hook = hooks.get(node.ref());
        Optional<StepOutcome> forced = hook == null ? Optional.empty() : hook.run(node);
        if (forced.isPresent()) {
          return forced.get();
        }
        return installed.add(node.ref())
            ? new StepOutcome.Applied("installed " + node.name())
            : StepOutcome.unchanged();
      } finally {
        events.add("end " + node.name());
      }
    }

    @Override
    public StepOutcome delete(StackDefinition stack, StackNode node) {
      events.add("delete " + node.name());
      return installed.remove(node.ref()) ? StepOutcome.applied() : StepOutcome.unchanged();
    }

    int indexOf(String event) {
      synchronized (events) {
        return events.indexOf(event);
      }
    }
  }

  /** Records what the listener is told, from the runner's thread. */
  static final class RecordingProgress implements StackProgress {
    final List<String> started = Collections.synchronizedList(new ArrayList<>());
    final List<NodeResult> finished = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void started(String stack, StackNode node) {
      started.add(node.name());
    }

    @Override
    public void finished(NodeResult result) {
      finished.add(result);
    }
  }

  private final FakeCluster cluster = new FakeCluster();

  @Test
  void installsEveryNodeOnlyAfterItsParentsFinished() throws CommandException {
    // a diamond and a tail: ns -> (crds, config) -> operator -> instance, plus independent extra
    StackPlan plan =
        StackPlan.of(
            stack(
                "diamond",
                0,
                List.of(
                    manifest("ns"),
                    manifest("crds", m("ns")),
                    manifest("config", m("ns")),
                    manifest("instance", a("operator")),
                    manifest("extra")),
                List.of(addon("operator", m("crds"), m("config")))));
    RecordingProgress progress = new RecordingProgress();

    StackRunResult result = new StackRunner(cluster, 4).install(plan, progress, NEVER);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.cancelled()).isFalse();
    assertThat(result.nodes())
        .extracting(NodeResult::node)
        .as("results in plan order")
        .containsExactlyElementsOf(plan.installOrder().stream().map(StackNode::ref).toList());
    assertThat(result.nodes())
        .allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.APPLIED));
    assertThat(result.of("diamond", a("operator")).message()).isEqualTo("installed operator");
    for (StackNode node : plan.nodes()) {
      for (NodeRef parent : plan.parentsOf(node.ref())) {
        assertThat(cluster.indexOf("end " + parent.name()))
            .as("%s ended before %s started", parent, node.ref())
            .isLessThan(cluster.indexOf("start " + node.name()));
      }
    }
    assertThat(progress.started).containsExactlyInAnyOrderElementsOf(names(plan.nodes()));
    assertThat(progress.finished).extracting(NodeResult::node).doesNotHaveDuplicates().hasSize(6);
  }

  @Test
  void runsIndependentNodesInParallelButNeverMoreThanTheLimit() throws Exception {
    int limit = 3;
    StackPlan plan =
        StackPlan.of(
            stack("wide", IntStream.range(0, 10).mapToObj(i -> manifest("n" + i)).toList()));
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch limitReached = new CountDownLatch(limit);
    CountDownLatch release = new CountDownLatch(1);
    for (StackNode node : plan.nodes()) {
      cluster.hooks.put(
          node.ref(),
          n -> {
            calls.incrementAndGet();
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            limitReached.countDown();
            try {
              release.await();
            } finally {
              running.decrementAndGet();
            }
            return Optional.empty();
          });
    }

    Future<StackRunResult> run =
        background.submit(
            () -> new StackRunner(cluster, limit).install(plan, StackProgress.NONE, NEVER));

    assertThat(limitReached.await(WAIT_SECONDS, TimeUnit.SECONDS))
        .as("%d nodes running at once", limit)
        .isTrue();
    // the three hold their slots: however long we look, a fourth does not start
    Thread.sleep(200);
    assertThat(calls.get()).isEqualTo(limit);
    release.countDown();
    StackRunResult result = run.get(WAIT_SECONDS, TimeUnit.SECONDS);

    assertThat(result.succeeded()).isTrue();
    assertThat(calls.get()).isEqualTo(10);
    assertThat(mostAtOnce.get()).isEqualTo(limit);
  }

  @Test
  void theFirstFailureStopsSchedulingAndBlocksWhatWaitsForIt() throws CommandException {
    StackPlan plan = failingPlan();
    cluster.hooks.put(
        m("a"), node -> Optional.of(StepOutcome.failed(ErrorCode.CONFLICT, "a is stuck")));
    RecordingProgress progress = new RecordingProgress();

    StackRunResult result = new StackRunner(cluster, 1).install(plan, progress, NEVER);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.cancelled()).isFalse();
    assertThat(result.firstFailure()).map(NodeResult::node).contains(m("a"));
    assertThat(result.of("s", m("a")))
        .isEqualTo(
            new NodeResult(
                "s", m("a"), NodeStatus.FAILED, "a is stuck", Optional.of(ErrorCode.CONFLICT)));
    assertThat(result.of("s", m("c")).status()).isEqualTo(NodeStatus.BLOCKED);
    assertThat(result.of("s", m("c")).message()).isEqualTo("blocked: manifest \"a\" failed");
    assertThat(result.of("s", m("d")).message())
        .as("blocked through c, naming the failure")
        .isEqualTo("blocked: manifest \"a\" failed");
    assertThat(result.of("s", m("b")).status()).isEqualTo(NodeStatus.NOT_STARTED);
    assertThat(result.of("s", m("b")).message())
        .isEqualTo("not started: the run stopped when manifest \"a\" failed");
    assertThat(result.of("s", a("e")).status()).isEqualTo(NodeStatus.NOT_STARTED);
    assertThat(cluster.events).containsExactly("start a", "end a");
    assertThat(progress.started).containsExactly("a");
    assertThat(progress.finished)
        .extracting(NodeResult::node)
        .containsExactlyInAnyOrder(m("a"), m("b"), m("c"), m("d"), a("e"));
  }

  @Test
  void nodesAlreadyRunningWhenOneFailsFinish() throws Exception {
    StackPlan plan = failingPlan();
    CountDownLatch aFailed = new CountDownLatch(1);
    cluster.hooks.put(m("a"), node -> Optional.of(StepOutcome.failed(ErrorCode.INTERNAL, "boom")));
    cluster.hooks.put(
        m("b"),
        node -> {
          // b is running while a fails, and only returns once the runner has seen the failure
          assertThat(aFailed.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
          return Optional.empty();
        });
    StackProgress progress =
        new StackProgress() {
          @Override
          public void finished(NodeResult result) {
            if (result.status() == NodeStatus.FAILED) {
              aFailed.countDown();
            }
          }
        };

    StackRunResult result =
        background
            .submit(() -> new StackRunner(cluster, 2).install(plan, progress, NEVER))
            .get(WAIT_SECONDS, TimeUnit.SECONDS);

    assertThat(result.nodes())
        .extracting(NodeResult::node, NodeResult::status)
        .containsExactly(
            tuple(m("a"), NodeStatus.FAILED),
            tuple(m("b"), NodeStatus.APPLIED),
            tuple(m("c"), NodeStatus.BLOCKED),
            tuple(m("d"), NodeStatus.BLOCKED),
            tuple(a("e"), NodeStatus.NOT_STARTED));
  }

  @Test
  void reApplyingReportsUnchanged() throws CommandException {
    StackPlan plan = failingPlan();
    StackRunner runner = new StackRunner(cluster, 2);

    StackRunResult first = runner.install(plan, StackProgress.NONE, NEVER);
    StackRunResult second = runner.install(plan, StackProgress.NONE, NEVER);

    assertThat(first.withStatus(NodeStatus.APPLIED)).hasSize(5);
    assertThat(second.succeeded()).isTrue();
    assertThat(second.withStatus(NodeStatus.UNCHANGED)).hasSize(5);
  }

  @Test
  void deletesEveryNodeAfterTheNodesThatWaitForIt() throws CommandException {
    StackPlan plan = failingPlan();
    StackRunner runner = new StackRunner(cluster, 3);
    runner.install(plan, StackProgress.NONE, NEVER);
    cluster.events.clear();

    StackRunResult deleted = runner.delete(plan, StackProgress.NONE, NEVER);
    StackRunResult again = runner.delete(plan, StackProgress.NONE, NEVER);

    assertThat(deleted.nodes())
        .extracting(NodeResult::node)
        .containsExactlyElementsOf(plan.deleteOrder().stream().map(StackNode::ref).toList());
    assertThat(deleted.withStatus(NodeStatus.APPLIED)).hasSize(5);
    assertThat(cluster.installed).isEmpty();
    for (StackNode node : plan.nodes()) {
      for (NodeRef parent : plan.parentsOf(node.ref())) {
        assertThat(cluster.indexOf("delete " + node.name()))
            .as("%s deleted before its parent %s", node.ref(), parent)
            .isLessThan(cluster.indexOf("delete " + parent.name()));
      }
    }
    assertThat(again.withStatus(NodeStatus.UNCHANGED)).hasSize(5);
  }

  @Test
  void deletingWithOneWorkerFollowsThePlansDeleteOrder() throws CommandException {
    StackPlan plan = failingPlan();
    StackRunner runner = new StackRunner(cluster, 1);
    runner.install(plan, StackProgress.NONE, NEVER);
    cluster.events.clear();

    runner.delete(plan, StackProgress.NONE, NEVER);

    assertThat(cluster.events)
        .containsExactlyElementsOf(
            plan.deleteOrder().stream().map(n -> "delete " + n.name()).toList());
  }

  @Test
  void aCancelStopsSchedulingAndLetsTheRunningNodeFinish() throws CommandException {
    StackPlan plan = failingPlan();
    AtomicBoolean cancelled = new AtomicBoolean();
    cluster.hooks.put(
        m("a"),
        node -> {
          cancelled.set(true);
          return Optional.empty();
        });

    StackRunResult result =
        new StackRunner(cluster, 1).install(plan, StackProgress.NONE, cancelled::get);

    assertThat(result.cancelled()).isTrue();
    assertThat(result.of("s", m("a")).status()).isEqualTo(NodeStatus.APPLIED);
    assertThat(result.withStatus(NodeStatus.NOT_STARTED))
        .hasSize(4)
        .allSatisfy(n -> assertThat(n.message()).isEqualTo("not started: the run was cancelled"));
    assertThat(cluster.events).containsExactly("start a", "end a");
  }

  @Test
  void aRunCancelledBeforeItStartsRunsNothing() throws CommandException {
    StackRunResult result =
        new StackRunner(cluster, 2).install(failingPlan(), StackProgress.NONE, () -> true);

    assertThat(result.cancelled()).isTrue();
    assertThat(result.withStatus(NodeStatus.NOT_STARTED)).hasSize(5);
    assertThat(cluster.events).isEmpty();
  }

  @Test
  void anInterruptStopsTheRunningStepsAndIsKept() throws Exception {
    StackPlan plan = failingPlan();
    CountDownLatch bothRunning = new CountDownLatch(2);
    CountDownLatch never = new CountDownLatch(1);
    FakeCluster.Hook hang =
        node -> {
          bothRunning.countDown();
          never.await();
          return Optional.empty();
        };
    cluster.hooks.put(m("a"), hang);
    cluster.hooks.put(m("b"), hang);
    AtomicReference<StackRunResult> result = new AtomicReference<>();
    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread runner =
        Thread.ofVirtual()
            .start(() -> {
              result.set(new StackRunner(cluster, 2).install(plan, StackProgress.NONE, NEVER));
              interruptKept.set(Thread.currentThread().isInterrupted());
            });

    assertThat(bothRunning.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    runner.interrupt();
    assertThat(runner.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();

    assertThat(interruptKept).isTrue();
    assertThat(result.get().cancelled()).isTrue();
    for (NodeRef interrupted : List.of(m("a"), m("b"))) {
      NodeResult node = result.get().of("s", interrupted);
      assertThat(node.status()).isEqualTo(NodeStatus.FAILED);
      assertThat(node.error()).contains(ErrorCode.CANCELLED);
    }
    // what waits for an interrupted node is not blocked by a fault: another run will do it
    for (NodeRef notStarted : List.of(m("c"), m("d"), a("e"))) {
      NodeResult node = result.get().of("s", notStarted);
      assertThat(node.status()).isEqualTo(NodeStatus.NOT_STARTED);
      assertThat(node.message()).isEqualTo("not started: the run was cancelled");
    }
  }

  @Test
  void aStepThatThrowsFailsItsNodeWithTheCode() throws CommandException {
    StackPlan plan = StackPlan.of(stack("s", List.of(manifest("forbidden"), manifest("broken"))));
    cluster.hooks.put(
        m("forbidden"),
        node -> {
          throw new CommandException(ErrorCode.FORBIDDEN, "cannot create namespaces");
        });
    cluster.hooks.put(
        m("broken"),
        node -> {
          throw new IllegalStateException("bug");
        });

    StackRunResult result = new StackRunner(cluster, 2).install(plan, StackProgress.NONE, NEVER);

    assertThat(result.of("s", m("forbidden")))
        .isEqualTo(
            new NodeResult(
                "s",
                m("forbidden"),
                NodeStatus.FAILED,
                "cannot create namespaces",
                Optional.of(ErrorCode.FORBIDDEN)));
    assertThat(result.of("s", m("broken")).error()).contains(ErrorCode.INTERNAL);
    assertThat(result.of("s", m("broken")).message()).contains("IllegalStateException: bug");
  }

  @Test
  void aFailingProgressListenerDoesNotStopTheRun() throws CommandException {
    StackProgress broken =
        new StackProgress() {
          @Override
          public void started(String stack, StackNode node) {
            throw new IllegalStateException("stream closed");
          }

          @Override
          public void finished(NodeResult result) {
            throw new IllegalStateException("stream closed");
          }
        };

    StackRunResult result = new StackRunner(cluster, 2).install(failingPlan(), broken, NEVER);

    assertThat(result.succeeded()).isTrue();
  }

  @Test
  void aLowerWaveFailingBlocksTheHigherWaves() throws CommandException {
    StackWaves waves =
        StackWaves.of(
            List.of(
                stack("apps", 1, List.of(manifest("app")), List.of()),
                stack("base", 0, List.of(), List.of(addon("cni"))),
                stack("tools", 0, List.of(manifest("tool")), List.of())),
            StackLimits.DEFAULTS);
    cluster.hooks.put(a("cni"), node -> Optional.of(StepOutcome.failed(ErrorCode.INTERNAL, "no")));

    StackRunResult result = new StackRunner(cluster, 1).install(waves, StackProgress.NONE, NEVER);

    assertThat(result.nodes())
        .extracting(NodeResult::stack)
        .as("lowest wave first")
        .containsExactly("base", "tools", "apps");
    assertThat(result.of("tools", m("tool")).status()).isEqualTo(NodeStatus.NOT_STARTED);
    assertThat(result.of("tools", m("tool")).message())
        .isEqualTo("not started: the run stopped when addon \"cni\" of stack \"base\" failed");
    assertThat(result.of("apps", m("app")).status()).isEqualTo(NodeStatus.BLOCKED);
    assertThat(result.of("apps", m("app")).message())
        .isEqualTo("blocked: addon \"cni\" of stack \"base\" failed in deploy wave 0");
  }

  @Test
  void wavesInstallLowestFirstAndTearDownHighestFirst() throws CommandException {
    StackWaves waves =
        StackWaves.of(
            List.of(
                stack("apps", 1, List.of(manifest("app")), List.of()),
                stack("base", 0, List.of(), List.of(addon("cni"))),
                stack("edge", 2, List.of(manifest("gateway")), List.of())),
            StackLimits.DEFAULTS);
    StackRunner runner = new StackRunner(cluster, 3);

    StackRunResult installed = runner.install(waves, StackProgress.NONE, NEVER);
    StackRunResult removed = runner.teardown(waves, StackProgress.NONE, NEVER);

    assertThat(installed.succeeded()).isTrue();
    assertThat(removed.succeeded()).isTrue();
    assertThat(cluster.events)
        .containsExactly(
            "start cni",
            "end cni",
            "start app",
            "end app",
            "start gateway",
            "end gateway",
            "delete gateway",
            "delete app",
            "delete cni");
    assertThat(removed.nodes())
        .extracting(NodeResult::stack)
        .containsExactly("edge", "apps", "base");
  }

  @Test
  void refusesALimitBelowOne() {
    assertThatThrownBy(() -> new StackRunner(cluster, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** a, b and e independent; c waits for a, d for c. */
  private static StackPlan failingPlan() throws CommandException {
    return StackPlan.of(
        stack(
            "s",
            0,
            List.of(manifest("a"), manifest("b"), manifest("c", m("a")), manifest("d", m("c"))),
            List.of(addon("e"))));
  }

  private static List<String> names(List<StackNode> nodes) {
    return nodes.stream().map(StackNode::name).toList();
  }
}
