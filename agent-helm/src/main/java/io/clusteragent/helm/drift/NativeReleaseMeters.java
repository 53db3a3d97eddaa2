package io.clusteragent.helm.drift;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The native engine's drift, self-heal and prune counters, under the documented agent's names
 * ({@code ankra_native_release_drift_detected_total}, {@code _selfheal_total}, {@code
 * _prune_total}) so its dashboards work unchanged; the drift and prune commands and the stack
 * reconcile count into the same meters.
 */
public record NativeReleaseMeters(
    Counter driftDetected, Counter selfHealed, Counter pruned, Counter pruneRefused) {

  public static NativeReleaseMeters of(MeterRegistry meters) {
    return new NativeReleaseMeters(
        Counter.builder("ankra.native.release.drift.detected")
            .description("Drift checks of native releases that found a drifted object")
            .register(meters),
        Counter.builder("ankra.native.release.selfheal")
            .description("Native releases re-applied because they drifted (self_heal)")
            .register(meters),
        Counter.builder("ankra.native.release.prune")
            .description("Objects of native releases deleted by prune")
            .register(meters),
        Counter.builder("ankra.native.release.prune.refused")
            .description("Prunes refused: release not deployed, or the anti-mass-deletion guard")
            .register(meters));
  }
}
