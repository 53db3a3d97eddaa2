package io.clusteragent.helm.drift;

import io.clusteragent.protocol.CommandException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One look at a release in the cluster ({@link ReleaseInspector#inspect}): what drifted from its
 * manifest, and which objects it owns that its manifest no longer renders. It keeps the discovery
 * it read, so the prune search asks the API server about each type once.
 */
public final class ReleaseInspection {

  /**
   * Types searched for leftovers besides those the manifest renders: what charts most often render
   * and later drop. A leftover of another type the manifest no longer renders is not found; listing
   * every type the API server serves would cost a request per type on every sweep.
   */
  static final List<TypeName> COMMON_KINDS =
      List.of(
          new TypeName("v1", "ConfigMap"),
          new TypeName("v1", "Secret"),
          new TypeName("v1", "Service"),
          new TypeName("v1", "ServiceAccount"),
          new TypeName("v1", "PersistentVolumeClaim"),
          new TypeName("apps/v1", "Deployment"),
          new TypeName("apps/v1", "StatefulSet"),
          new TypeName("apps/v1", "DaemonSet"),
          new TypeName("rbac.authorization.k8s.io/v1", "Role"),
          new TypeName("rbac.authorization.k8s.io/v1", "RoleBinding"),
          new TypeName("networking.k8s.io/v1", "Ingress"),
          new TypeName("batch/v1", "Job"),
          new TypeName("batch/v1", "CronJob"));

  /** A type by name, before discovery says where it is served. */
  record TypeName(String apiVersion, String kind) {}

  /** Helm labels every object it applies so; the API server can select on a label. */
  static final String HELM_SELECTOR = LiveComparison.MANAGED_BY_LABEL + "=Helm";

  /** A chart's wish that Helm never delete the object (not on upgrade, not on uninstall). */
  static final String RESOURCE_POLICY_ANNOTATION = "helm.sh/resource-policy";

  private final String namespace;
  private final String release;
  private final List<DeployedObject> objects;
  private final ClusterObjects cluster;
  private final ApiResources resources;

  ReleaseInspection(
      String namespace,
      String release,
      List<DeployedObject> objects,
      ClusterObjects cluster,
      ApiResources resources) {
    this.namespace = namespace;
    this.release = release;
    this.objects = List.copyOf(objects);
    this.cluster = cluster;
    this.resources = resources;
  }

  public String namespace() {
    return namespace;
  }

  public String release() {
    return release;
  }

  /** How many objects the manifest renders (and drift detection compared). */
  public int checked() {
    return objects.size();
  }

  /** The drifted objects, in the manifest's order; empty when the release is as rendered. */
  public List<DriftResource> drift(List<IgnoreRule> ignore) {
    List<DriftResource> drifted = new ArrayList<>();
    for (DeployedObject object : objects) {
      RenderedObject rendered = object.rendered();
      if (object.live().isEmpty()) {
        drifted.add(resource(object, DriftResource.DriftType.MISSING, List.of()));
        continue;
      }
      List<String> paths =
          LiveComparison.driftedPaths(
              rendered.body(),
              object.live().get(),
              path ->
                  ignore.stream().anyMatch(r -> r.ignores(rendered.kind(), rendered.name(), path)));
      if (!paths.isEmpty()) {
        drifted.add(resource(object, DriftResource.DriftType.MODIFIED, paths));
      }
    }
    return drifted;
  }

  /**
   * Objects carrying this release's Helm ownership (label {@code
   * app.kubernetes.io/managed-by=Helm}, annotations {@code meta.helm.sh/release-name} and {@code
   * meta.helm.sh/release-namespace}) whose UID is not that of any object the manifest renders.
   * Searched: the types the manifest renders and {@link #COMMON_KINDS}, in the release's namespace
   * and those the manifest names (cluster-wide for a cluster-scoped type the manifest renders).
   * Left out, because deleting them is not the release's business: objects a controller owns (a Job
   * of a CronJob, which copies its labels), objects already being deleted, and those the chart
   * asked Helm to keep ({@code helm.sh/resource-policy: keep}), which Helm itself never deletes.
   */
  public List<PruneCandidate> pruneCandidates() throws CommandException {
    Set<String> rendered = new HashSet<>();
    Set<String> namespaces = new LinkedHashSet<>(List.of(namespace));
    Map<String, ApiResource> types = new LinkedHashMap<>();
    for (DeployedObject object : objects) {
      if (object.live().isPresent()) {
        rendered.add(object.uid());
      }
      object.resource().ifPresent(r -> types.putIfAbsent(r.apiVersion() + "/" + r.kind(), r));
      if (!object.namespace().isEmpty()) {
        namespaces.add(object.namespace());
      }
    }
    for (TypeName common : COMMON_KINDS) {
      Optional<ApiResource> resource = resources.find(common.apiVersion(), common.kind());
      resource.ifPresent(r -> types.putIfAbsent(r.apiVersion() + "/" + r.kind(), r));
    }
    List<PruneCandidate> candidates = new ArrayList<>();
    for (ApiResource type : types.values()) {
      for (String in : type.namespaced() ? namespaces : Set.of("")) {
        String action =
            "list " + type.apiVersion() + " " + type.kind() + (in.isEmpty() ? "" : " in " + in);
        for (JsonNode item : cluster.listMetadata(type.collectionPath(in), HELM_SELECTOR, action)) {
          JsonNode meta = item.path("metadata");
          String uid = meta.path("uid").asString("");
          if (!uid.isEmpty() && !rendered.contains(uid) && ownedAndDeletable(meta)) {
            candidates.add(
                new PruneCandidate(
                    type,
                    meta.path("namespace").asString(""),
                    meta.path("name").asString(""),
                    uid));
          }
        }
      }
    }
    candidates.sort(
        Comparator.comparing((PruneCandidate c) -> c.resource().kind())
            .thenComparing(PruneCandidate::namespace)
            .thenComparing(PruneCandidate::name));
    return candidates;
  }

  /** Deletes a candidate, only while it still has the UID it was found with. */
  ClusterObjects.DeleteOutcome delete(PruneCandidate candidate) throws CommandException {
    return cluster.delete(
        candidate.resource().objectPath(candidate.namespace(), candidate.name()),
        candidate.uid(),
        "delete " + candidate.describe());
  }

  private boolean ownedAndDeletable(JsonNode meta) {
    JsonNode annotations = meta.path("annotations");
    if (!release.equals(annotations.path(LiveComparison.RELEASE_NAME_ANNOTATION).asString(""))
        || !namespace.equals(
            annotations.path(LiveComparison.RELEASE_NAMESPACE_ANNOTATION).asString(""))) {
      return false;
    }
    if ("keep".equals(annotations.path(RESOURCE_POLICY_ANNOTATION).asString(""))) {
      return false;
    }
    if (!meta.path("deletionTimestamp").isMissingNode()
        && !meta.path("deletionTimestamp").isNull()) {
      return false;
    }
    for (JsonNode owner : meta.path("ownerReferences")) {
      if (owner.path("controller").asBoolean(false)) {
        return false;
      }
    }
    return true;
  }

  private static DriftResource resource(
      DeployedObject object, DriftResource.DriftType type, List<String> paths) {
    RenderedObject rendered = object.rendered();
    return new DriftResource(
        rendered.apiVersion(), rendered.kind(), object.namespace(), rendered.name(), type, paths);
  }
}
