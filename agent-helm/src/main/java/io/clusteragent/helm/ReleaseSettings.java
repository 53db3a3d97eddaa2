package io.clusteragent.helm;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Release management settings: {@code agent.reconcile.auto-heal-enabled}, set by the documented
 * {@code extra_env} knob {@code RECONCILE_AUTO_HEAL_ENABLED} (mapped in {@link
 * io.clusteragent.core.settings.DocumentedEnvironment}), turns on the sweep that repairs releases
 * stuck mid-operation ({@link io.clusteragent.helm.heal.StuckReleaseSweep}); off, the sweep does
 * not run at all. {@code sweep-interval} and {@code stuck-after} default to the documented platform
 * loop's 60 s and 10 min.
 */
@ConfigurationProperties("agent.reconcile")
@Validated
public record ReleaseSettings(
    @DefaultValue("true") boolean autoHealEnabled,
    @DefaultValue("60s") @NotNull(message = "a positive duration such as 60s")
        Duration sweepInterval,
    @DefaultValue("10m") @NotNull(message = "a positive duration such as 10m")
        Duration stuckAfter) {

  @AssertTrue(message = "agent.reconcile.sweep-interval: a positive duration such as 60s")
  public boolean isSweepIntervalPositive() {
    return sweepInterval == null || (!sweepInterval.isNegative() && !sweepInterval.isZero());
  }

  @AssertTrue(message = "agent.reconcile.stuck-after: a positive duration such as 10m")
  public boolean isStuckAfterPositive() {
    return stuckAfter == null || (!stuckAfter.isNegative() && !stuckAfter.isZero());
  }
}
