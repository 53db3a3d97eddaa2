package io.clusteragent.core.events;

import io.clusteragent.core.kubernetes.ApiClientSource;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records {@link AgentEvent}s on the agent's own Deployment (found from this pod through its
 * ReplicaSet; the pod itself when it has no such owner). Callers are connection callbacks and
 * commands that must not wait for the API server, so Events are queued (bounded) and written by one
 * virtual thread, at most {@link #BURST} at once and then one per {@link #REFILL}; what does not
 * fit is dropped and counted. Outside a pod (no {@code POD_NAME} or {@code POD_NAMESPACE}) nothing
 * is recorded.
 */
public final class DeploymentEvents implements AutoCloseable {

  static final int BURST = 12;
  static final Duration REFILL = Duration.ofSeconds(5);
  private static final int QUEUE = 32;

  private static final Logger log = LoggerFactory.getLogger(DeploymentEvents.class);

  private record Pending(AgentEvent event, String message) {}

  private final ObjectEvents events;
  private final ApiClientSource clients;
  private final String podName;
  private final String namespace;
  private final MeterRegistry meters;
  private final Clock clock;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
  private final Thread writer;
  private V1ObjectReference target; // only the writer thread touches it
  private double tokens = BURST;
  private long refilledAt;
  private String lastFailure;

  /**
   * @param podName this pod ({@code POD_NAME}), null outside Kubernetes
   * @param namespace this pod's namespace ({@code POD_NAMESPACE}), null outside Kubernetes
   */
  public DeploymentEvents(
      ApiClientSource clients,
      String podName,
      String namespace,
      String instance,
      MeterRegistry meters,
      Clock clock) {
    this.events = new ObjectEvents(clients, instance, clock);
    this.clients = clients;
    this.podName = blankToNull(podName);
    this.namespace = blankToNull(namespace);
    this.meters = meters;
    this.clock = clock;
    this.refilledAt = clock.millis();
    this.writer =
        enabled() ? Thread.ofVirtual().name("deployment-events").start(this::writeAll) : null;
  }

  /** False outside a pod: there is no Deployment to record on. */
  public boolean enabled() {
    return podName != null && namespace != null;
  }

  /** Queues the Event; never blocks. The message must hold nothing secret. */
  public void record(AgentEvent event, String message) {
    if (!enabled()) {
      return;
    }
    if (!queue.offer(new Pending(event, message))) {
      count(event, "dropped");
    }
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.interrupt();
    }
  }

  private void writeAll() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Pending next = queue.take();
        if (!takeToken()) {
          count(next.event(), "dropped");
          continue;
        }
        write(next);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void write(Pending pending) {
    String failure;
    try {
      if (target == null) {
        target = resolve();
      }
      failure =
          events.record(
              target, pending.event().reason(), pending.event().warning(), pending.message());
    } catch (ApiException e) {
      failure = "could not find this pod's Deployment: API server answered " + e.getCode();
    } catch (IOException e) {
      failure = "no Kubernetes client: " + e.getMessage();
    }
    count(pending.event(), failure == null ? "recorded" : "failed");
    if (failure != null && !failure.equals(lastFailure)) {
      log.warn("could not record Event {}: {}", pending.event().reason(), failure);
    }
    lastFailure = failure;
  }

  /** This pod's Deployment: the controller of its ReplicaSet; else the pod itself. */
  private V1ObjectReference resolve() throws IOException, ApiException {
    V1Pod pod = new CoreV1Api(clients.get()).readNamespacedPod(podName, namespace).execute();
    Optional<V1OwnerReference> replicaSet = controller(pod.getMetadata(), "ReplicaSet");
    if (replicaSet.isPresent()) {
      V1ReplicaSet rs =
          new AppsV1Api(clients.get())
              .readNamespacedReplicaSet(replicaSet.get().getName(), namespace)
              .execute();
      Optional<V1OwnerReference> deployment = controller(rs.getMetadata(), "Deployment");
      if (deployment.isPresent()) {
        return new V1ObjectReference()
            .apiVersion("apps/v1")
            .kind("Deployment")
            .namespace(namespace)
            .name(deployment.get().getName())
            .uid(deployment.get().getUid());
      }
    }
    return new V1ObjectReference()
        .apiVersion("v1")
        .kind("Pod")
        .namespace(namespace)
        .name(podName)
        .uid(pod.getMetadata() == null ? null : pod.getMetadata().getUid());
  }

  private static Optional<V1OwnerReference> controller(V1ObjectMeta meta, String kind) {
    List<V1OwnerReference> owners = meta == null ? null : meta.getOwnerReferences();
    if (owners == null) {
      return Optional.empty();
    }
    return owners.stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()) && kind.equals(o.getKind()))
        .findFirst();
  }

  private boolean takeToken() {
    long now = clock.millis();
    tokens = Math.min(BURST, tokens + (now - refilledAt) / (double) REFILL.toMillis());
    refilledAt = now;
    if (tokens < 1) {
      return false;
    }
    tokens--;
    return true;
  }

  private void count(AgentEvent event, String outcome) {
    meters.counter("agent.events", "reason", event.reason(), "outcome", outcome).increment();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
