package io.clusteragent.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.core.CoreAutoConfiguration;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmSettings;
import io.clusteragent.helm.heal.StuckReleaseSweep;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

class HelmAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          // the core gives the Kubernetes clients and write_worker_count the stack commands need
          .withConfiguration(
              AutoConfigurations.of(CoreAutoConfiguration.class, HelmAutoConfiguration.class))
          .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

  @Test
  void defaultsPointAtTheImagesHelmAndRegisterTheReleaseCommands() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      HelmSettings settings = context.getBean(HelmSettings.class);
      assertThat(settings.binary()).isEqualTo(Path.of("/usr/local/bin/helm"));
      assertThat(settings.commandTimeout()).isEqualTo(Duration.ofMinutes(5));
      assertThat(settings.maxOutputSize()).isEqualTo(DataSize.ofMegabytes(8));
      assertThat(context.getBean(HelmBinary.class).binary())
          .isEqualTo(Path.of("/usr/local/bin/helm"));
      assertThat(
              context.getBeansOfType(CommandHandler.class).values().stream()
                  .map(CommandHandler::type))
          .containsExactlyInAnyOrder(
              "helm.releases.list",
              "helm.releases.history",
              "helm.releases.status",
              "helm.releases.get",
              "helm.releases.diff",
              "helm.releases.install",
              "helm.releases.upgrade",
              "helm.releases.uninstall",
              "helm.releases.rollback",
              "stacks.apply",
              "stacks.delete",
              "stacks.status",
              "stacks.reconcile",
              "agent.upgrade",
              "helm.releases.drift",
              "helm.releases.prune");
    });
  }

  @Test
  void settingsBindFromProperties() {
    runner
        .withPropertyValues(
            "agent.helm.binary=/opt/helm",
            "agent.helm.command-timeout=30s",
            "agent.helm.max-output-size=1MB")
        .run(context -> {
          HelmSettings settings = context.getBean(HelmSettings.class);
          assertThat(settings.binary()).isEqualTo(Path.of("/opt/helm"));
          assertThat(settings.commandTimeout()).isEqualTo(Duration.ofSeconds(30));
          assertThat(settings.maxOutputSize()).isEqualTo(DataSize.ofMegabytes(1));
        });
  }

  @Test
  void invalidSettingsStopStartUp() {
    runner
        .withPropertyValues("agent.helm.binary=helm")
        .run(context -> assertThat(context).hasFailed());
    runner
        .withPropertyValues("agent.helm.command-timeout=0s")
        .run(context -> assertThat(context).hasFailed());
    runner
        .withPropertyValues("agent.helm.max-output-size=10B")
        .run(context -> assertThat(context).hasFailed());
    runner
        .withPropertyValues("agent.reconcile.sweep-interval=0s")
        .run(context -> assertThat(context).hasFailed());
    runner
        .withPropertyValues("agent.reconcile.stuck-after=-1m")
        .run(context -> assertThat(context).hasFailed());
  }

  @Test
  void autoHealSweepsByDefaultAndNotWhenSwitchedOff() {
    runner.run(context -> {
      ReleaseSettings settings = context.getBean(ReleaseSettings.class);
      assertThat(settings.autoHealEnabled()).isTrue();
      assertThat(settings.sweepInterval()).isEqualTo(Duration.ofSeconds(60));
      assertThat(settings.stuckAfter()).isEqualTo(Duration.ofMinutes(10));
      assertThat(context.getBean(StuckReleaseSweep.class).isRunning()).isTrue();
    });
    runner
        .withPropertyValues("agent.reconcile.auto-heal-enabled=false")
        .run(context -> assertThat(context.getBean(StuckReleaseSweep.class).isRunning()).isFalse());
    runner
        .withPropertyValues("agent.reconcile.sweep-interval=5s", "agent.reconcile.stuck-after=2m")
        .run(context -> {
          ReleaseSettings settings = context.getBean(ReleaseSettings.class);
          assertThat(settings.sweepInterval()).isEqualTo(Duration.ofSeconds(5));
          assertThat(settings.stuckAfter()).isEqualTo(Duration.ofMinutes(2));
        });
  }
}
