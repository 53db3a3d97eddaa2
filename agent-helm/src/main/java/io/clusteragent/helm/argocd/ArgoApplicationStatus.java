package io.clusteragent.helm.argocd;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * An add-on's Application as Argo CD last reported it. Argo CD's application controller writes
 * {@code status}; until it has, there is nothing to report and {@link #reconciled()} is false, with
 * sync and health {@value #UNKNOWN} (Argo CD's own word for "not known").
 *
 * @param stack the stack label
 * @param addon the add-on label
 * @param application the Application's name
 * @param syncStatus {@code status.sync.status}: {@code Synced}, {@code OutOfSync} or {@value
 *     #UNKNOWN}
 * @param healthStatus {@code status.health.status}: {@code Healthy}, {@code Progressing}, {@code
 *     Degraded}, {@code Suspended}, {@code Missing} or {@value #UNKNOWN}
 * @param operationPhase {@code status.operationState.phase} of the last or running sync ({@code
 *     Running}, {@code Succeeded}, {@code Failed}, {@code Error}, {@code Terminating})
 * @param operationMessage {@code status.operationState.message}
 * @param conditions {@code status.conditions} as {@code "Type: message"}: why Argo CD cannot
 *     compare or sync (an unreachable repository, a missing chart version)
 * @param reconciled whether an Argo CD controller has written any status for it
 * @param deleting whether the Application is being deleted (waiting for Argo CD's finalizer)
 */
public record ArgoApplicationStatus(
    String stack,
    String addon,
    String application,
    String syncStatus,
    String healthStatus,
    Optional<String> operationPhase,
    Optional<String> operationMessage,
    List<String> conditions,
    boolean reconciled,
    boolean deleting) {

  public static final String UNKNOWN = "Unknown";

  public ArgoApplicationStatus {
    conditions = List.copyOf(conditions);
  }

  /** One line for the platform's user. */
  public String summary() {
    StringBuilder s = new StringBuilder();
    if (!reconciled) {
      s.append("not yet reconciled by Argo CD (no status written: is its application controller")
          .append(" running in the Argo CD namespace?)");
    } else {
      s.append(syncStatus).append(", ").append(healthStatus);
      operationPhase.ifPresent(p -> s.append("; last sync ").append(p));
      operationMessage.ifPresent(m -> s.append(": ").append(m));
      for (String condition : conditions) {
        s.append("; ").append(condition);
      }
    }
    if (deleting) {
      s.append(" [being deleted]");
    }
    return s.toString();
  }

  /** Reads an Application object as the API server returned it. */
  static ArgoApplicationStatus of(JsonNode application) {
    JsonNode metadata = application.path("metadata");
    JsonNode labels = metadata.path("labels");
    JsonNode status = application.path("status");
    Optional<String> sync = text(status.path("sync").path("status"));
    Optional<String> health = text(status.path("health").path("status"));
    JsonNode operation = status.path("operationState");
    List<String> conditions = new ArrayList<>();
    for (JsonNode condition : status.path("conditions")) {
      String type = text(condition.path("type")).orElse("Condition");
      conditions.add(type + text(condition.path("message")).map(m -> ": " + m).orElse(""));
    }
    // reconciledAt is written on every comparison, even one that failed before sync and health
    // were known; an operation state means a sync ran.
    boolean reconciled =
        sync.isPresent()
            || health.isPresent()
            || text(status.path("reconciledAt")).isPresent()
            || operation.isObject();
    return new ArgoApplicationStatus(
        text(labels.path(ArgoApplications.STACK_LABEL)).orElse(""),
        text(labels.path(ArgoApplications.ADDON_LABEL)).orElse(""),
        text(metadata.path("name")).orElse(""),
        sync.orElse(UNKNOWN),
        health.orElse(UNKNOWN),
        text(operation.path("phase")),
        text(operation.path("message")),
        conditions,
        reconciled,
        text(metadata.path("deletionTimestamp")).isPresent());
  }

  private static Optional<String> text(JsonNode node) {
    return node.isString() && !node.asString().isBlank()
        ? Optional.of(node.asString())
        : Optional.empty();
  }
}
