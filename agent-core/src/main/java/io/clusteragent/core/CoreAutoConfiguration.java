package io.clusteragent.core;

import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.JobBulkheads;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.kubernetes.KubernetesApiHealth;
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.lifecycle.CommandIntake;
import io.clusteragent.core.lifecycle.ShutdownSequence;
import io.clusteragent.core.settings.AgentProperties;
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

/** The agent's shared machinery: settings, bulkheads, the command dispatcher, the Kubernetes client. */
@AutoConfiguration
@EnableConfigurationProperties(AgentProperties.class)
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
  ClusterFacts clusterFacts(KubernetesClients clients, Clock clock) {
    return new ClusterFacts(clients, clock);
  }

  @Bean
  LogLevels logLevels(AgentProperties properties) {
    return new LogLevels(LoggingSystem.get(CoreAutoConfiguration.class.getClassLoader()), properties.logLevel());
  }

  @Bean
  JobBulkheads jobBulkheads(AgentProperties properties, MeterRegistry meterRegistry) {
    return new JobBulkheads(
        Map.of(
            JobClass.READ, properties.readWorkerCount(),
            JobClass.WRITE, properties.writeWorkerCount(),
            JobClass.PROXY_UNARY, properties.kubernetes().proxyUnaryConcurrency(),
            JobClass.PROXY_STREAM, properties.kubernetes().proxyStreamConcurrency()),
        meterRegistry);
  }

  @Bean
  CommandDispatcher commandDispatcher(List<CommandHandler> handlers, JobBulkheads bulkheads, MeterRegistry meterRegistry, Clock clock) {
    return new CommandDispatcher(handlers, bulkheads, meterRegistry, clock);
  }

  @Bean
  ShutdownSequence shutdownSequence(ApplicationEventPublisher events, ObjectProvider<CommandIntake> intakes, CommandDispatcher dispatcher, AgentProperties properties) {
    return new ShutdownSequence(events, intakes.orderedStream().toList(), dispatcher, properties.shutdownGracePeriod());
  }

  @Bean
  KubernetesClients kubernetesClients(AgentProperties properties, Environment environment) {
    return new KubernetesClients(properties.kubernetes(), environment.getProperty("KUBECONFIG"));
  }

  @Bean("kubernetes")
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
