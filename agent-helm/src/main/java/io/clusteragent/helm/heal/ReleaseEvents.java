package io.clusteragent.helm.heal;

import io.clusteragent.helm.argocd.ApiClientSource;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Secret;
import java.io.IOException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events (core/v1) about a release, on its newest {@code sh.helm.release.v1.*} Secret,
 * so {@code kubectl get events -n <ns>} and {@code kubectl describe secret} show what the agent did
 * to it. Best effort: a heal that happened is not undone because its Event could not be written.
 */
final class ReleaseEvents {

  static final String COMPONENT = "ankra-agent";
  static final String HEALED = "ReleaseHealed";
  static final String HEAL_FAILED = "ReleaseHealFailed";

  /** The API server keeps an Event's message whole, but people read it on one line. */
  private static final int MAX_MESSAGE = 1024;

  private static final Logger log = LoggerFactory.getLogger(ReleaseEvents.class);

  private final ApiClientSource clients;
  private final String instance;
  private final Clock clock;

  /**
   * @param instance this replica ({@code AgentIdentity.instanceId()}), the Event's source host
   */
  ReleaseEvents(ApiClientSource clients, String instance, Clock clock) {
    this.clients = clients;
    this.instance = instance;
    this.clock = clock;
  }

  /**
   * @param warning a failure (type Warning) rather than news (type Normal)
   */
  void record(String namespace, String secretName, String reason, boolean warning, String message) {
    try {
      CoreV1Api api = new CoreV1Api(clients.get());
      V1ObjectReference involved =
          new V1ObjectReference()
              .apiVersion("v1")
              .kind("Secret")
              .namespace(namespace)
              .name(secretName);
      uidOf(api, namespace, secretName).ifPresent(involved::uid);
      OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
      CoreV1Event event =
          new CoreV1Event()
              .metadata(new V1ObjectMeta().generateName(secretName + ".").namespace(namespace))
              .involvedObject(involved)
              .reason(reason)
              .type(warning ? "Warning" : "Normal")
              .message(
                  message.length() <= MAX_MESSAGE
                      ? message
                      : message.substring(0, MAX_MESSAGE - 1) + "…")
              .source(new V1EventSource().component(COMPONENT).host(instance))
              .reportingComponent(COMPONENT)
              .reportingInstance(instance)
              .firstTimestamp(now)
              .lastTimestamp(now)
              .count(1);
      api.createNamespacedEvent(namespace, event).execute();
    } catch (ApiException e) {
      log.warn(
          "could not record Event {} for release Secret {}/{}: {}",
          reason,
          namespace,
          secretName,
          e.getCode() == 0 ? e.getMessage() : "API server answered " + e.getCode());
    } catch (IOException e) {
      log.warn("could not record Event {}: no Kubernetes client: {}", reason, e.getMessage());
    }
  }

  /**
   * The Secret's uid, so {@code kubectl describe} (which matches on it) lists the Event; absent
   * once the release is uninstalled, when the Event still names the Secret it was about.
   */
  private static Optional<String> uidOf(CoreV1Api api, String namespace, String name) {
    try {
      V1Secret secret = api.readNamespacedSecret(name, namespace).execute();
      return Optional.ofNullable(secret.getMetadata()).map(V1ObjectMeta::getUid);
    } catch (ApiException e) {
      return Optional.empty();
    }
  }
}
