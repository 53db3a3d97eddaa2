package io.clusteragent.helm.stacks;

import io.clusteragent.core.background.PeriodicTasks;
import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.helm.ReleaseSettings;
import io.clusteragent.protocol.CommandException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The reconcile loop for stacks, next to the stuck-release sweep and on the same switch ({@code
 * RECONCILE_AUTO_HEAL_ENABLED}) and interval: every applied stack's native add-ons are checked for
 * drift, self-healed and pruned as their settings say ({@link StackReconciler}). Each add-on's
 * writes take its release's Lease, so replicas sweeping at once never both re-apply one.
 */
public final class StackReconcileSweep implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(StackReconcileSweep.class);

  private final ReleaseSettings settings;
  private final PeriodicTasks tasks;
  private final StackState state;
  private final StackReconciler reconciler;
  private final Clock clock;
  private final ReentrantLock sweeping = new ReentrantLock();
  private volatile boolean running;
  private volatile Cancellation cancellation = new Cancellation();
  private boolean scheduled;

  public StackReconcileSweep(
      ReleaseSettings settings,
      PeriodicTasks tasks,
      StackState state,
      StackReconciler reconciler,
      Clock clock) {
    this.settings = settings;
    this.tasks = tasks;
    this.state = state;
    this.reconciler = reconciler;
    this.clock = clock;
  }

  @Override
  public synchronized void start() {
    if (!settings.autoHealEnabled()) {
      return;
    }
    cancellation = new Cancellation();
    running = true;
    if (!scheduled) {
      scheduled = true;
      tasks.every(
          "stack reconcile sweep", settings.sweepInterval(), settings.sweepInterval(), this::sweep);
    }
  }

  @Override
  public void stop() {
    running = false;
    cancellation.cancel(new CloseReason.ShuttingDown());
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  void sweep() {
    if (!running || !sweeping.tryLock()) {
      return;
    }
    try {
      for (StackState.Stored stored : state.list()) {
        if (!running) {
          return;
        }
        if (!stored.phase().equals("applied")) {
          continue;
        }
        CommandContext context =
            new CommandContext(
                "stack-reconcile-" + stored.name(),
                clock.instant().plus(settings.sweepInterval().multipliedBy(5)),
                Actor.AGENT,
                StreamSink.NONE,
                cancellation);
        List<StackReconciler.AddonReconcile> results = reconciler.reconcile(stored, context, null);
        for (StackReconciler.AddonReconcile r : results) {
          if (!r.drift().isEmpty() || !r.pruned().isEmpty() || r.error().isPresent()) {
            log.info(
                "stack {} add-on {}: {} drifted object(s){}{}{}",
                stored.name(),
                r.addon(),
                r.drift().size(),
                r.selfHealed() ? ", re-applied" : "",
                r.pruned().isEmpty() ? "" : ", pruned " + r.pruned(),
                r.error().map(e -> ", failed: " + e).orElse(""));
          }
        }
      }
    } catch (CommandException e) {
      // PeriodicTasks' FailureLog counts it and logs a changed cause once
      throw new IllegalStateException("stack reconcile failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      sweeping.unlock();
    }
  }
}
