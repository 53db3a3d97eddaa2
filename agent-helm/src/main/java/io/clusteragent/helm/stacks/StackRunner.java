package io.clusteragent.helm.stacks;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link StackPlan} (or several, by wave) through a {@link StackStep}: each node starts as
 * soon as everything it waits for has succeeded, at most {@code maxParallel} at once, each on its
 * own virtual thread (a step blocks on helm or the API server for minutes).
 *
 * <p>The first failure stops scheduling. Nodes already running finish; nodes that wait, directly or
 * not, for a failed one end {@link NodeStatus#BLOCKED}; every other node not started ends {@link
 * NodeStatus#NOT_STARTED}. The two are told apart because they call for different things: a blocked
 * node needs the failure fixed, a node merely not started only needs another run.
 *
 * <p>Cancelling works two ways. The {@code cancelled} check (a command's {@code
 * Cancellation::isCancelled}) is read between nodes and stops scheduling while running nodes
 * finish. Interrupting the calling thread (what a command's cancel does to its worker) stops
 * scheduling too and interrupts the running steps, so their helm processes end; the run still waits
 * for them, returns the outcomes, and leaves the thread's interrupt flag set.
 *
 * <p>Delete runs the same way in reverse: a node is deleted once every node that names it as a
 * parent is gone, and teardown takes the highest wave first.
 */
public final class StackRunner {

  private static final Logger log = LoggerFactory.getLogger(StackRunner.class);

  /** How often the {@code cancelled} check is read while steps run. */
  private static final long CANCEL_POLL_MILLIS = 50;

  private enum Direction {
    INSTALL,
    DELETE
  }

  private final StackStep step;
  private final int maxParallel;

  /**
   * @param maxParallel nodes running at once across the whole run (the write-worker limit: every
   *     node holds a helm or API server write for its whole step)
   */
  public StackRunner(StackStep step, int maxParallel) {
    this.step = Objects.requireNonNull(step, "step");
    if (maxParallel < 1) {
      throw new IllegalArgumentException("maxParallel must be at least 1, got " + maxParallel);
    }
    this.maxParallel = maxParallel;
  }

  /** Installs one stack, parents first. */
  public StackRunResult install(StackPlan plan, StackProgress progress, BooleanSupplier cancelled) {
    return run(List.of(single(plan)), Direction.INSTALL, progress, cancelled);
  }

  /** Deletes one stack, children first. */
  public StackRunResult delete(StackPlan plan, StackProgress progress, BooleanSupplier cancelled) {
    return run(List.of(single(plan)), Direction.DELETE, progress, cancelled);
  }

  /** Installs every stack, a wave only once all lower waves succeeded. */
  public StackRunResult install(
      StackWaves waves, StackProgress progress, BooleanSupplier cancelled) {
    return run(waves.installOrder(), Direction.INSTALL, progress, cancelled);
  }

  /** Deletes every stack, the highest wave first. */
  public StackRunResult teardown(
      StackWaves waves, StackProgress progress, BooleanSupplier cancelled) {
    return run(waves.teardownOrder(), Direction.DELETE, progress, cancelled);
  }

  private static StackWaves.Wave single(StackPlan plan) {
    return new StackWaves.Wave(plan.stack().deployWave(), List.of(plan));
  }

  private StackRunResult run(
      List<StackWaves.Wave> waves,
      Direction direction,
      StackProgress progress,
      BooleanSupplier cancelled) {
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(cancelled, "cancelled");
    SafeProgress listener = new SafeProgress(progress);
    List<NodeResult> results = new ArrayList<>();
    boolean wasCancelled = false;
    Optional<String> failedWave = Optional.empty();
    for (StackWaves.Wave wave : waves) {
      List<Unit> units = units(wave, direction);
      if (wasCancelled || failedWave.isPresent()) {
        // a wave waits for every node of the waves before it, so a failure there blocks it whole
        for (Unit unit : units) {
          NodeResult result =
              failedWave.isPresent()
                  ? result(unit, NodeStatus.BLOCKED, failedWave.get(), Optional.empty())
                  : result(unit, NodeStatus.NOT_STARTED, "not started: the run was cancelled");
          results.add(result);
          listener.finished(result);
        }
        continue;
      }
      Batch batch = new Batch(units, direction, listener, cancelled);
      results.addAll(batch.run());
      wasCancelled = batch.cancelled;
      if (batch.firstFailure >= 0) {
        Unit failed = units.get(batch.firstFailure);
        failedWave =
            Optional.of(
                "blocked: "
                    + failed.node().ref()
                    + " of stack \""
                    + failed.stackName()
                    + "\" failed in deploy wave "
                    + wave.deployWave());
      }
    }
    return new StackRunResult(results, wasCancelled);
  }

  /**
   * One node to run and the nodes it waits for in this direction, by index in the batch. A node's
   * dependencies always come before it (the order is the plan's install or delete order), which
   * lets the end of a run settle statuses in one pass.
   */
  private record Unit(StackPlan plan, StackNode node, List<Integer> waitsFor) {
    String stackName() {
      return plan.stack().name();
    }
  }

  private static List<Unit> units(StackWaves.Wave wave, Direction direction) {
    List<Unit> units = new ArrayList<>();
    for (StackPlan plan : wave.stacks()) {
      List<StackNode> order =
          direction == Direction.INSTALL ? plan.installOrder() : plan.deleteOrder();
      Map<NodeRef, Integer> index = new HashMap<>();
      for (StackNode node : order) {
        List<NodeRef> waits =
            direction == Direction.INSTALL
                ? plan.parentsOf(node.ref())
                : plan.childrenOf(node.ref());
        List<Integer> waitsFor = waits.stream().map(index::get).toList();
        index.put(node.ref(), units.size());
        units.add(new Unit(plan, node, waitsFor));
      }
    }
    return units;
  }

  private static NodeResult result(Unit unit, NodeStatus status, String message) {
    return result(unit, status, message, Optional.empty());
  }

  private static NodeResult result(
      Unit unit, NodeStatus status, String message, Optional<ErrorCode> error) {
    return new NodeResult(unit.stackName(), unit.node().ref(), status, message, error);
  }

  /** A finished step, handed from its thread to the coordinating one. */
  private record Completion(int index, StepOutcome outcome) {}

  /**
   * One wave's nodes run together. All state is the coordinating thread's; the step threads only
   * put a {@link Completion} on the queue, so nothing here needs a lock.
   */
  private final class Batch {
    private final List<Unit> units;
    private final Direction direction;
    private final SafeProgress listener;
    private final BooleanSupplier cancelCheck;

    private final NodeResult[] results;
    private final boolean[] stoppedByCancel;
    private final int[] waiting;
    private final List<List<Integer>> dependents = new ArrayList<>();
    private final PriorityQueue<Integer> ready = new PriorityQueue<>();
    private final Map<Integer, Thread> running = new HashMap<>();
    private final BlockingQueue<Completion> completions = new LinkedBlockingQueue<>();

    private boolean stopped;
    private boolean cancelled;
    private boolean cancelledFirst;
    private boolean interrupted;
    private int firstFailure = -1;

    Batch(List<Unit> units, Direction direction, SafeProgress listener, BooleanSupplier cancel) {
      this.units = units;
      this.direction = direction;
      this.listener = listener;
      this.cancelCheck = cancel;
      this.results = new NodeResult[units.size()];
      this.stoppedByCancel = new boolean[units.size()];
      this.waiting = new int[units.size()];
      for (int i = 0; i < units.size(); i++) {
        dependents.add(new ArrayList<>());
      }
      for (int i = 0; i < units.size(); i++) {
        List<Integer> waitsFor = units.get(i).waitsFor();
        waiting[i] = waitsFor.size();
        for (int dependency : waitsFor) {
          dependents.get(dependency).add(i);
        }
        if (waitsFor.isEmpty()) {
          ready.add(i);
        }
      }
    }

    List<NodeResult> run() {
      try {
        while (true) {
          if (!stopped && cancelCheck.getAsBoolean()) {
            cancel();
          }
          while (!stopped && running.size() < maxParallel && !ready.isEmpty()) {
            start(ready.poll());
          }
          if (running.isEmpty()) {
            break;
          }
          Completion done = completions.poll(CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS);
          if (done != null) {
            finish(done);
          }
        }
      } catch (InterruptedException e) {
        interrupt();
      } finally {
        // never leave a step running unobserved: its outcome is part of the result
        while (!running.isEmpty()) {
          try {
            finish(completions.take());
          } catch (InterruptedException e) {
            interrupt();
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      settleNotStarted();
      return List.of(results);
    }

    private void cancel() {
      cancelledFirst |= !stopped;
      stopped = true;
      cancelled = true;
    }

    private void interrupt() {
      interrupted = true;
      cancel();
      running.values().forEach(Thread::interrupt);
    }

    private void start(int index) {
      Unit unit = units.get(index);
      listener.started(unit.stackName(), unit.node());
      Thread thread =
          Thread.ofVirtual()
              .name("stack-" + unit.stackName() + "-" + unit.node().name())
              .unstarted(() -> completions.add(new Completion(index, call(unit))));
      running.put(index, thread);
      thread.start();
    }

    private StepOutcome call(Unit unit) {
      StackDefinition stack = unit.plan().stack();
      try {
        StepOutcome outcome =
            direction == Direction.INSTALL
                ? step.apply(stack, unit.node())
                : step.delete(stack, unit.node());
        return outcome != null
            ? outcome
            : StepOutcome.failed(ErrorCode.INTERNAL, "the step returned no outcome");
      } catch (CommandException e) {
        return StepOutcome.failed(e.code(), e.getMessage());
      } catch (InterruptedException e) {
        return StepOutcome.failed(ErrorCode.CANCELLED, "interrupted: the run was cancelled");
      } catch (Throwable e) {
        // caught whatever it is: a step that ends without a Completion would leave the run
        // waiting for it forever
        log.warn("stack {}: the step for {} threw", stack.name(), unit.node().ref(), e);
        return StepOutcome.failed(ErrorCode.INTERNAL, "the step failed: " + e);
      }
    }

    private void finish(Completion done) {
      running.remove(done.index());
      Unit unit = units.get(done.index());
      NodeResult result =
          switch (done.outcome()) {
            case StepOutcome.Applied a -> result(unit, NodeStatus.APPLIED, a.detail());
            case StepOutcome.Unchanged u -> result(unit, NodeStatus.UNCHANGED, u.detail());
            case StepOutcome.Failed f ->
                result(unit, NodeStatus.FAILED, f.message(), Optional.of(f.code()));
          };
      results[done.index()] = result;
      listener.finished(result);
      if (result.status().succeeded()) {
        for (int dependent : dependents.get(done.index())) {
          if (--waiting[dependent] == 0) {
            ready.add(dependent);
          }
        }
      } else if (cancelled && result.error().equals(Optional.of(ErrorCode.CANCELLED))) {
        // interrupted by the cancel, not broken: what waits for it merely did not start
        stoppedByCancel[done.index()] = true;
      } else {
        stopped = true;
        if (firstFailure < 0) {
          firstFailure = done.index();
        }
      }
    }

    /** Every node without an outcome: BLOCKED behind a failure, or NOT_STARTED. */
    private void settleNotStarted() {
      int[] blockedBy = new int[units.size()];
      for (int i = 0; i < units.size(); i++) {
        blockedBy[i] = -1;
        if (results[i] != null) {
          continue;
        }
        Unit unit = units.get(i);
        for (int dependency : unit.waitsFor()) {
          NodeStatus status = results[dependency].status();
          if (status == NodeStatus.FAILED && !stoppedByCancel[dependency]) {
            blockedBy[i] = dependency;
            break;
          }
          if (status == NodeStatus.BLOCKED) {
            blockedBy[i] = blockedBy[dependency];
            break;
          }
        }
        results[i] =
            blockedBy[i] >= 0
                ? result(unit, NodeStatus.BLOCKED, "blocked: " + describe(blockedBy[i], unit))
                : result(unit, NodeStatus.NOT_STARTED, "not started: " + whyStopped(unit));
        listener.finished(results[i]);
      }
    }

    /** Why the run stopped: the first of a failure and a cancel. */
    private String whyStopped(Unit unit) {
      if (cancelledFirst || firstFailure < 0) {
        return "the run was cancelled";
      }
      return "the run stopped when " + describe(firstFailure, unit);
    }

    private String describe(int failed, Unit seenFrom) {
      Unit unit = units.get(failed);
      String where =
          unit.stackName().equals(seenFrom.stackName())
              ? ""
              : " of stack \"" + unit.stackName() + "\"";
      return unit.node().ref() + where + " failed";
    }
  }

  /** Progress is a view of the run: a listener's failure must not stop or corrupt the run. */
  private record SafeProgress(StackProgress progress) {
    void started(String stack, StackNode node) {
      try {
        progress.started(stack, node);
      } catch (RuntimeException e) {
        log.warn("stack {}: the progress listener failed on the start of {}", stack, node, e);
      }
    }

    void finished(NodeResult result) {
      try {
        progress.finished(result);
      } catch (RuntimeException e) {
        log.warn(
            "stack {}: the progress listener failed on the end of {}",
            result.stack(),
            result.node(),
            e);
      }
    }
  }
}
