package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.helm.drift.DriftResource;
import io.clusteragent.helm.drift.NativeReleaseMeters;
import io.clusteragent.helm.drift.ReleaseInspection;
import io.clusteragent.helm.drift.ReleaseInspector;
import io.clusteragent.helm.drift.ReleasePrune;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.helm.releases.ReleaseLock;
import io.clusteragent.helm.releases.ReleaseWriter;
import io.clusteragent.protocol.CommandException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The native engine's parity with Argo CD for a stack's add-ons: each add-on's release is compared
 * with the live cluster (drift, reported per object), re-applied when it drifted and its {@code
 * sync_policy.self_heal} is on, and cleared of objects it no longer renders when {@code auto_prune}
 * is on (behind the prune's anti-mass-deletion guard). Argo CD add-ons are left to Argo CD, which
 * does the same itself.
 */
public final class StackReconciler {

  /** What one add-on's reconcile found and did. */
  public record AddonReconcile(
      String addon,
      String namespace,
      List<DriftResource> drift,
      boolean selfHealed,
      List<String> pruned,
      Optional<String> pruneRefused,
      Optional<String> error) {}

  private final StackParser parser;
  private final ReleaseInspector inspector;
  private final ReleaseWriter writer;
  private final ReleaseLock locks;
  private final Counter driftDetected;
  private final Counter selfHealed;
  private final Counter pruned;

  public StackReconciler(
      StackParser parser,
      ReleaseInspector inspector,
      ReleaseWriter writer,
      ReleaseLock locks,
      MeterRegistry meters) {
    this.parser = parser;
    this.inspector = inspector;
    this.writer = writer;
    this.locks = locks;
    NativeReleaseMeters counters = NativeReleaseMeters.of(meters);
    this.driftDetected = counters.driftDetected();
    this.selfHealed = counters.selfHealed();
    this.pruned = counters.pruned();
  }

  /** Reconciles every native add-on of {@code stored}, one after another. */
  public List<AddonReconcile> reconcile(
      StackState.Stored stored, CommandContext context, ProgressFrames progress)
      throws CommandException, InterruptedException {
    StackDefinition stack = parser.parse(stored.document());
    List<AddonReconcile> results = new ArrayList<>();
    for (AddonDefinition addon : stack.addons()) {
      if (addon.engine() != Engine.ANKRA_NATIVE) {
        continue;
      }
      if (context.cancellation().isCancelled()) {
        break;
      }
      try {
        results.add(reconcile(addon, context, progress));
      } catch (CommandException e) {
        results.add(
            new AddonReconcile(
                addon.name(),
                addon.namespace(),
                List.of(),
                false,
                List.of(),
                Optional.empty(),
                Optional.of(e.code() + ": " + e.getMessage())));
      }
    }
    return results;
  }

  private AddonReconcile reconcile(
      AddonDefinition addon, CommandContext context, ProgressFrames progress)
      throws CommandException, InterruptedException {
    ReleaseInspection inspection = inspector.inspect(addon.namespace(), addon.name(), context);
    List<DriftResource> drift = inspection.drift(List.of());
    boolean healed = false;
    if (!drift.isEmpty()) {
      driftDetected.increment();
      if (addon.settings().selfHeal()) {
        writer.apply(AddonDeployment.release(addon, true), context, progress);
        selfHealed.increment();
        healed = true;
        inspection = inspector.inspect(addon.namespace(), addon.name(), context);
      }
    }
    List<String> removed = new ArrayList<>();
    Optional<String> refused = Optional.empty();
    if (addon.settings().autoPrune()) {
      try (ReleaseLock.Held held = locks.acquire(addon.namespace(), addon.name())) {
        ReleasePrune.Result result = ReleasePrune.run(inspection, false);
        result.pruned().forEach(c -> removed.add(c.describe()));
        pruned.increment(result.pruned().size());
        refused = result.refusal();
      }
    }
    return new AddonReconcile(
        addon.name(), addon.namespace(), drift, healed, removed, refused, Optional.empty());
  }
}
