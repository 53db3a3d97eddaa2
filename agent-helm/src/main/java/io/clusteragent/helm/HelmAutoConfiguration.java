package io.clusteragent.helm;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.background.PeriodicTasks;
import io.clusteragent.core.events.DeploymentEvents;
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.helm.argocd.ArgoApplications;
import io.clusteragent.helm.argocd.ArgoCdSettings;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmSettings;
import io.clusteragent.helm.drift.ReleaseDriftCommand;
import io.clusteragent.helm.drift.ReleaseInspector;
import io.clusteragent.helm.drift.ReleasePruneCommand;
import io.clusteragent.helm.heal.StuckReleaseSweep;
import io.clusteragent.helm.releases.ChartChangeCommand;
import io.clusteragent.helm.releases.ListReleasesCommand;
import io.clusteragent.helm.releases.ReleaseContentCommand;
import io.clusteragent.helm.releases.ReleaseDiffCommand;
import io.clusteragent.helm.releases.ReleaseHistoryCommand;
import io.clusteragent.helm.releases.ReleaseLeases;
import io.clusteragent.helm.releases.ReleaseLock;
import io.clusteragent.helm.releases.ReleaseStatusCommand;
import io.clusteragent.helm.releases.ReleaseWriter;
import io.clusteragent.helm.releases.RollbackReleaseCommand;
import io.clusteragent.helm.releases.UninstallReleaseCommand;
import io.clusteragent.helm.stacks.ApplyStackCommand;
import io.clusteragent.helm.stacks.DeleteStackCommand;
import io.clusteragent.helm.stacks.ReconcileStackCommand;
import io.clusteragent.helm.stacks.StackEngine;
import io.clusteragent.helm.stacks.StackLimits;
import io.clusteragent.helm.stacks.StackParser;
import io.clusteragent.helm.stacks.StackReconcileSweep;
import io.clusteragent.helm.stacks.StackReconciler;
import io.clusteragent.helm.stacks.StackState;
import io.clusteragent.helm.stacks.StackStatusCommand;
import io.clusteragent.helm.upgrade.SelfUpgradeCommand;
import io.clusteragent.helm.upgrade.SelfUpgradeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Helm releases: the bundled helm binary, the {@code helm.releases.*} commands, and the sweep that
 * heals releases stuck mid-operation.
 */
@AutoConfiguration(afterName = "io.clusteragent.core.CoreAutoConfiguration")
@EnableConfigurationProperties({
  HelmSettings.class,
  ReleaseSettings.class,
  SelfUpgradeSettings.class
})
public class HelmAutoConfiguration {

  private final JsonMapper json = JsonMapper.builder().build();

  private final StackParser stacks = new StackParser(StackLimits.DEFAULTS);

  // The image's root filesystem is read-only; the temp dir is its one writable place.
  private final Path helmHome = Path.of(System.getProperty("java.io.tmpdir"), "helm");

  /** Each write gets a private directory below this for its values and credentials. */
  private final Path operations = helmHome.resolve("operations");

  @Bean
  HelmBinary helmBinary(HelmSettings settings, Clock clock, Environment environment) {
    // helm finds the cluster the way the agent's own client does: KUBECONFIG as a setting (which
    // an environment variable also is), else the in-cluster service account
    Map<String, String> agentEnvironment = new HashMap<>(System.getenv());
    String kubeconfig = environment.getProperty("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      agentEnvironment.put("KUBECONFIG", kubeconfig);
    }
    return new HelmBinary(settings, agentEnvironment, helmHome, clock);
  }

  @Bean
  StateNamespace stateNamespace(Environment environment) {
    return StateNamespace.of(environment.getProperty("POD_NAMESPACE"));
  }

  @Bean
  ReleaseLock releaseLock(
      KubernetesClients clients, StateNamespace state, AgentIdentity identity, Clock clock) {
    return new ReleaseLock(
        new ReleaseLeases(
            clients::unaryClient,
            state.name(),
            identity.instanceId(),
            ReleaseLeases.DEFAULT_DURATION,
            clock));
  }

  /** Scheduled only when {@code agent.reconcile.auto-heal-enabled}; see its start(). */
  @Bean
  StuckReleaseSweep stuckReleaseSweep(
      ReleaseSettings settings,
      PeriodicTasks tasks,
      HelmBinary helm,
      ReleaseLock locks,
      KubernetesClients clients,
      AgentIdentity identity,
      MeterRegistry meters,
      Clock clock) {
    return new StuckReleaseSweep(
        settings,
        tasks,
        helm,
        locks,
        clients::unaryClient,
        identity.instanceId(),
        meters,
        json,
        clock);
  }

  @Bean
  ListReleasesCommand listReleasesCommand(HelmBinary helm) {
    return new ListReleasesCommand(helm, json);
  }

  @Bean
  ReleaseHistoryCommand releaseHistoryCommand(HelmBinary helm) {
    return new ReleaseHistoryCommand(helm, json);
  }

  @Bean
  ReleaseStatusCommand releaseStatusCommand(HelmBinary helm) {
    return new ReleaseStatusCommand(helm, json);
  }

  @Bean
  ReleaseContentCommand releaseContentCommand(HelmBinary helm) {
    return new ReleaseContentCommand(helm, json);
  }

  @Bean
  ReleaseDiffCommand releaseDiffCommand(HelmBinary helm) {
    return new ReleaseDiffCommand(helm, operations, json);
  }

  @Bean
  ReleaseWriter releaseWriter(HelmBinary helm, ReleaseLock locks, MeterRegistry meters) {
    return new ReleaseWriter(helm, locks, operations, json, meters);
  }

  @Bean
  ChartChangeCommand installReleaseCommand(ReleaseWriter writer) {
    return new ChartChangeCommand(ChartChangeCommand.Kind.INSTALL, writer, json);
  }

  @Bean
  ChartChangeCommand upgradeReleaseCommand(ReleaseWriter writer) {
    return new ChartChangeCommand(ChartChangeCommand.Kind.UPGRADE, writer, json);
  }

  @Bean
  UninstallReleaseCommand uninstallReleaseCommand(ReleaseWriter writer) {
    return new UninstallReleaseCommand(writer, json);
  }

  @Bean
  ArgoApplications argoApplications(KubernetesClients clients) {
    return new ArgoApplications(clients::unaryClient, ArgoCdSettings.DEFAULTS, json);
  }

  @Bean
  StackState stackState(KubernetesClients clients, StateNamespace namespace) {
    return new StackState(clients::unaryClient, namespace, json);
  }

  @Bean
  StackEngine stackEngine(
      StackState state,
      ReleaseWriter writer,
      ArgoApplications argo,
      StateNamespace namespace,
      CoreSettings core) {
    return new StackEngine(stacks, state, writer, argo, namespace, core.writeWorkerCount(), json);
  }

  @Bean
  ApplyStackCommand applyStackCommand(StackEngine engine) {
    return new ApplyStackCommand(engine);
  }

  @Bean
  DeleteStackCommand deleteStackCommand(StackEngine engine) {
    return new DeleteStackCommand(engine);
  }

  @Bean
  StackStatusCommand stackStatusCommand(StackState state, ArgoApplications argo) {
    return new StackStatusCommand(stacks, state, argo, json);
  }

  @Bean
  SelfUpgradeCommand selfUpgradeCommand(
      ReleaseWriter writer,
      StateNamespace namespace,
      SelfUpgradeSettings settings,
      DeploymentEvents events) {
    return new SelfUpgradeCommand(writer, namespace, settings, events, json);
  }

  @Bean
  RollbackReleaseCommand rollbackReleaseCommand(HelmBinary helm, ReleaseLock locks) {
    return new RollbackReleaseCommand(helm, locks, json);
  }

  @Bean
  ReleaseInspector releaseInspector(HelmBinary helm, KubernetesClients clients) {
    return new ReleaseInspector(helm, clients::unaryClient, json);
  }

  @Bean
  StackReconciler stackReconciler(
      ReleaseInspector inspector, ReleaseWriter writer, ReleaseLock locks, MeterRegistry meters) {
    return new StackReconciler(stacks, inspector, writer, locks, meters);
  }

  @Bean
  ReconcileStackCommand reconcileStackCommand(StackState state, StackReconciler reconciler) {
    return new ReconcileStackCommand(state, reconciler, json);
  }

  @Bean
  StackReconcileSweep stackReconcileSweep(
      ReleaseSettings settings,
      PeriodicTasks tasks,
      StackState state,
      StackReconciler reconciler,
      Clock clock) {
    return new StackReconcileSweep(settings, tasks, state, reconciler, clock);
  }

  @Bean
  ReleaseDriftCommand releaseDriftCommand(ReleaseInspector inspector, MeterRegistry meters) {
    return new ReleaseDriftCommand(inspector, json, meters);
  }

  @Bean
  ReleasePruneCommand releasePruneCommand(
      ReleaseInspector inspector, HelmBinary helm, ReleaseLock locks, MeterRegistry meters) {
    return new ReleasePruneCommand(inspector, helm, locks, json, meters);
  }
}
