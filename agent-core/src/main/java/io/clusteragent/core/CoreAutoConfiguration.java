package io.clusteragent.core;

import io.clusteragent.core.background.FailureLog;
import io.clusteragent.core.background.PeriodicTasks;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.JobBulkheads;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.events.DeploymentEvents;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.kubernetes.KubernetesApiHealth;
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.lifecycle.CommandIntake;
import io.clusteragent.core.lifecycle.ShutdownSequence;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.core.settings.LogLevels;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The agent's shared machinery: settings, bulkheads, the command dispatcher, the Kubernetes client.
 */
@AutoConfiguration
@EnableConfigurationProperties(CoreSettings.class)
public class CoreAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  AgentIdentity agentIdentity(Environment environment) {
    return AgentIdentity.of(environment.getProperty("POD_NAME"));
  }

  @Bean
  FailureLog failureLog(MeterRegistry meters) {
    return new FailureLog(meters);
  }

  @Bean
  PeriodicTasks periodicTasks(FailureLog failures) {
    return new PeriodicTasks(failures);
  }

  @Bean
  ClusterFacts clusterFacts(KubernetesClients clients, Clock clock, FailureLog failures) {
    return new ClusterFacts(clients, clock, failures);
  }

  @Bean
  LogLevels logLevels(CoreSettings properties) {
    return new LogLevels(
        LoggingSystem.get(CoreAutoConfiguration.class.getClassLoader()), properties.logLevel());
  }

  @Bean
  JobBulkheads jobBulkheads(CoreSettings properties, MeterRegistry meterRegistry) {
    return new JobBulkheads(
        Map.of(
            JobClass.READ, properties.readWorkerCount(),
            JobClass.WRITE, properties.writeWorkerCount(),
            JobClass.PROXY_UNARY, properties.kubernetes().proxyUnaryConcurrency(),
            JobClass.PROXY_STREAM, properties.kubernetes().proxyStreamConcurrency()),
        meterRegistry);
  }

  @Bean
  CommandDispatcher commandDispatcher(
      List<CommandHandler> handlers,
      JobBulkheads bulkheads,
      MeterRegistry meterRegistry,
      Clock clock) {
    return new CommandDispatcher(handlers, bulkheads, meterRegistry, clock);
  }

  @Bean
  ShutdownSequence shutdownSequence(
      ApplicationEventPublisher events,
      ObjectProvider<CommandIntake> intakes,
      CommandDispatcher dispatcher,
      CoreSettings properties) {
    return new ShutdownSequence(
        events, intakes.orderedStream().toList(), dispatcher, properties.shutdownGracePeriod());
  }

  @Bean
  KubernetesClients kubernetesClients(CoreSettings properties, Environment environment) {
    return new KubernetesClients(properties.kubernetes(), environment.getProperty("KUBECONFIG"));
  }

  @Bean
  DeploymentEvents deploymentEvents(
      KubernetesClients clients,
      Environment environment,
      AgentIdentity identity,
      MeterRegistry meters,
      Clock clock) {
    return new DeploymentEvents(
        clients::unaryClient,
        environment.getProperty("POD_NAME"),
        environment.getProperty("POD_NAMESPACE"),
        identity.instanceId(),
        meters,
        clock);
  }

  @Bean(name = "kubernetes", initMethod = "checkInBackground")
  KubernetesApiHealth kubernetesApiHealth(KubernetesClients clients, Clock clock) {
    return new KubernetesApiHealth(
        () -> {
          try {
            return clients.unaryClient();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        },
        clock);
  }
}
