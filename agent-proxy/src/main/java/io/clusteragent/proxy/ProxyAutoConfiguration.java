package io.clusteragent.proxy;

import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.proxy.access.GrantCommand;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.discovery.ApiDiscovery;
import io.clusteragent.proxy.discovery.ApiResourcesCommand;
import io.clusteragent.proxy.logs.PodLogStreamCommand;
import io.clusteragent.proxy.objects.ObjectFilter;
import io.clusteragent.proxy.resources.ResourceAccess;
import io.clusteragent.proxy.resources.ResourceGetCommand;
import io.clusteragent.proxy.resources.ResourceListCommand;
import io.clusteragent.proxy.resources.ResourceWatchCommand;
import io.clusteragent.proxy.tunnel.ApiTunnel;
import io.clusteragent.proxy.tunnel.KubeRequestCommand;
import io.clusteragent.proxy.tunnel.ServiceRequestCommand;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The Kubernetes-facing commands. Each handler gets its own lazily built API client: unary reads
 * use the client with a read timeout, log follows and watches the one without.
 */
@AutoConfiguration(afterName = "io.clusteragent.core.CoreAutoConfiguration")
@EnableConfigurationProperties(ProxySettings.class)
public class ProxyAutoConfiguration {

  @Bean
  ResourceAccess resourceAccess(ProxySettings settings) {
    return new ResourceAccess(
        settings.dynamicApiDiscoveryEnabled(),
        new ObjectFilter(settings.k8sWatch().stripFields(), settings.k8sWatch().redactSecrets()));
  }

  @Bean
  ResourceListCommand resourceListCommand(KubernetesClients clients, ResourceAccess access) {
    // a list streams for as long as it is large: no read timeout, like a watch
    return new ResourceListCommand(new ApiServerGet(clients::streamingClient), access);
  }

  @Bean
  ResourceGetCommand resourceGetCommand(KubernetesClients clients, ResourceAccess access) {
    return new ResourceGetCommand(new ApiServerGet(clients::unaryClient), access);
  }

  @Bean
  ResourceWatchCommand resourceWatchCommand(
      KubernetesClients clients,
      ResourceAccess access,
      ProxySettings settings,
      MeterRegistry meters) {
    return new ResourceWatchCommand(
        new ApiServerGet(clients::streamingClient),
        access,
        settings.k8sWatch().enabled(),
        settings.k8sWatch().forwarding(),
        meters);
  }

  @Bean
  ApiResourcesCommand apiResourcesCommand(KubernetesClients clients, ProxySettings settings) {
    return new ApiResourcesCommand(
        new ApiDiscovery(new ApiServerGet(clients::unaryClient)),
        settings.dynamicApiDiscoveryEnabled());
  }

  @Bean
  ApiTunnel apiTunnel(KubernetesClients clients, MeterRegistry meters) {
    return new ApiTunnel(clients::unaryClient, clients::streamingClient, meters);
  }

  @Bean
  KubeRequestCommand kubeRequestCommand(ApiTunnel tunnel) {
    return KubeRequestCommand.unary(tunnel);
  }

  @Bean
  KubeRequestCommand kubeStreamCommand(ApiTunnel tunnel) {
    return KubeRequestCommand.longLived(tunnel);
  }

  @Bean
  ServiceRequestCommand serviceRequestCommand(ApiTunnel tunnel, ProxySettings settings) {
    return new ServiceRequestCommand(
        tunnel, Duration.ofSeconds(settings.forwardServiceRequestMaxTimeoutSeconds()));
  }

  @Bean
  GrantCommand grantApplyCommand(KubernetesClients clients) {
    return GrantCommand.apply(clients::unaryClient);
  }

  @Bean
  GrantCommand grantRevokeCommand(KubernetesClients clients) {
    return GrantCommand.revoke(clients::unaryClient);
  }

  @Bean
  GrantCommand grantListCommand(KubernetesClients clients) {
    return GrantCommand.list(clients::unaryClient);
  }

  @Bean
  PodLogStreamCommand podLogStreamCommand(KubernetesClients clients) {
    return new PodLogStreamCommand(new ApiServerGet(clients::streamingClient));
  }
}
