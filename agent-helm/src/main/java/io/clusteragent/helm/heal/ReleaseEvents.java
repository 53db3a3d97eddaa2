package io.clusteragent.helm.heal;

import io.clusteragent.core.events.ObjectEvents;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Secret;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events about a release, on its newest {@code sh.helm.release.v1.*} Secret, so {@code
 * kubectl get events -n <ns>} and {@code kubectl describe secret} show what the agent did to it.
 */
final class ReleaseEvents {

  static final String COMPONENT = ObjectEvents.COMPONENT;
  static final String HEALED = "ReleaseHealed";
  static final String HEAL_FAILED = "ReleaseHealFailed";

  private static final Logger log = LoggerFactory.getLogger(ReleaseEvents.class);

  private final ApiClientSource clients;
  private final ObjectEvents events;

  /**
   * @param instance this replica ({@code AgentIdentity.instanceId()}), the Event's source host
   */
  ReleaseEvents(ApiClientSource clients, String instance, Clock clock) {
    this.clients = clients;
    this.events = new ObjectEvents(clients, instance, clock);
  }

  /**
   * @param warning a failure (type Warning) rather than news (type Normal)
   */
  void record(String namespace, String secretName, String reason, boolean warning, String message) {
    V1ObjectReference involved =
        new V1ObjectReference()
            .apiVersion("v1")
            .kind("Secret")
            .namespace(namespace)
            .name(secretName);
    uidOf(namespace, secretName).ifPresent(involved::uid);
    String failure = events.record(involved, reason, warning, message);
    if (failure != null) {
      log.warn(
          "could not record Event {} for release Secret {}/{}: {}",
          reason,
          namespace,
          secretName,
          failure);
    }
  }

  /**
   * The Secret's uid, so {@code kubectl describe} (which matches on it) lists the Event; absent
   * once the release is uninstalled, when the Event still names the Secret it was about.
   */
  private Optional<String> uidOf(String namespace, String name) {
    try {
      V1Secret secret =
          new CoreV1Api(clients.get()).readNamespacedSecret(name, namespace).execute();
      return Optional.ofNullable(secret.getMetadata()).map(V1ObjectMeta::getUid);
    } catch (ApiException | IOException e) {
      return Optional.empty();
    }
  }
}
