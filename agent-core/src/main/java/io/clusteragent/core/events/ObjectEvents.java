package io.clusteragent.core.events;

import io.clusteragent.core.kubernetes.ApiClientSource;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.io.IOException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Writes core/v1 Events about one object, so {@code kubectl describe} and {@code kubectl get
 * events} show what the agent did or saw. Best effort: what happened is not undone because its
 * Event could not be written, so failures are returned, never thrown.
 */
public final class ObjectEvents {

  public static final String COMPONENT = "ankra-agent";

  /** The API server keeps an Event's message whole, but people read it on one line. */
  private static final int MAX_MESSAGE = 1024;

  private final ApiClientSource clients;
  private final String instance;
  private final Clock clock;

  /**
   * @param instance this replica ({@code AgentIdentity.instanceId()}), the Event's source host
   */
  public ObjectEvents(ApiClientSource clients, String instance, Clock clock) {
    this.clients = clients;
    this.instance = instance;
    this.clock = clock;
  }

  /**
   * @param involved the object the Event is about; with its uid set, {@code kubectl describe} of
   *     that object lists the Event
   * @param warning a failure (type Warning) rather than news (type Normal)
   * @return null when written, else why not (for the caller's log line)
   */
  public String record(V1ObjectReference involved, String reason, boolean warning, String message) {
    String namespace = involved.getNamespace();
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    CoreV1Event event =
        new CoreV1Event()
            .metadata(
                new V1ObjectMeta().generateName(involved.getName() + ".").namespace(namespace))
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
    try {
      new CoreV1Api(clients.get()).createNamespacedEvent(namespace, event).execute();
      return null;
    } catch (ApiException e) {
      return e.getCode() == 0 ? e.getMessage() : "API server answered " + e.getCode();
    } catch (IOException e) {
      return "no Kubernetes client: " + e.getMessage();
    }
  }
}
