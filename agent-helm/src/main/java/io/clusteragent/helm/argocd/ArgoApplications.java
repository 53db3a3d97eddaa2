package io.clusteragent.helm.argocd;

import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Argo CD engine's side in the cluster: one Argo CD {@code Application} (argoproj.io/v1alpha1)
 * per add-on, in Argo CD's namespace, named {@code <stack>-<add-on>} and labelled with both. The
 * agent writes the Application; Argo CD's controller renders the chart, server-side-applies it,
 * keeps it in sync and writes {@code status}, which {@link #status} reads back.
 *
 * <p>Only Applications carrying the agent's labels are ever changed or deleted: an Application of
 * the same name that someone else made is a {@code CONFLICT}, not taken over.
 */
public final class ArgoApplications {

  static final String GROUP = "argoproj.io";
  static final String VERSION = "v1alpha1";
  static final String PLURAL = "applications";
  static final String APPLICATION_CRD = PLURAL + "." + GROUP;

  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "ankra-agent";
  static final String STACK_LABEL = "agent.ankra.io/stack";
  static final String ADDON_LABEL = "agent.ankra.io/addon";

  /** The agent's field manager: server-side apply tracks which fields the agent owns by it. */
  static final String FIELD_MANAGER = "ankra-agent";

  /** Argo CD's name for the cluster it runs in. */
  static final String IN_CLUSTER = "https://kubernetes.default.svc";

  /**
   * Argo CD's cascade-deletion finalizer: with it, deleting the Application first deletes what it
   * deployed (foreground: Argo CD waits until those objects are gone); {@code .../background} is
   * the background variant. Argo CD treats both (and only these) as "cascade".
   */
  static final String RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";

  /** Rounds of read-then-patch before a finalizer change racing other writers gives up. */
  private static final int FINALIZER_ATTEMPTS = 3;

  private final ApiClientSource clients;
  private final String namespace;
  private final String group;
  private final JsonMapper json;
  private final ArgoApiErrors errors;

  /**
   * @param clients the identity every request is made as: the agent's own client, or one that
   *     impersonates the platform user so the cluster's RBAC decides (the caller's choice; this
   *     class adds no impersonation)
   */
  public ArgoApplications(ApiClientSource clients, ArgoCdSettings settings, JsonMapper json) {
    this(clients, settings, json, GROUP);
  }

  /**
   * With another API group in place of argoproj.io: only for a test that needs a group no cluster
   * serves, the way the API server answers when Argo CD is not installed.
   */
  ArgoApplications(
      ApiClientSource clients, ArgoCdSettings settings, JsonMapper json, String group) {
    this.clients = clients;
    this.namespace = settings.namespace();
    this.group = group;
    this.json = json;
    this.errors = new ArgoApiErrors(json, namespace);
  }

  /**
   * Creates or updates the add-on's Application so it matches {@code addon}, by server-side apply
   * with the agent as field manager.
   *
   * <p>Server-side apply rather than replace: the Application has no status subresource, so a
   * replace would also have to carry (or would wipe) the {@code status} and {@code operation} Argo
   * CD writes into the same object, and every finalizer another party set. Apply changes only the
   * fields the agent sets, drops those it set before and no longer does (a values text removed,
   * {@code CreateNamespace} turned off), and writes nothing at all when they already match, which
   * is what {@link ApplyOutcome#UNCHANGED} reports. It is forced: the add-on's settings come from
   * the platform, so a field someone changed in the Argo CD UI is set back, as the platform says.
   *
   * @throws CommandException {@code BAD_REQUEST} for an add-on Argo CD could not deploy, {@code
   *     CONFLICT} when the name is taken by an Application the agent does not own or one being
   *     deleted, {@code NOT_FOUND} when Argo CD is not installed, and the API server's refusals
   */
  public ApplyOutcome apply(ArgoAddon addon) throws CommandException {
    addon.check();
    String name = addon.applicationName();
    String action = "apply Argo CD Application " + namespace + "/" + name;
    CustomObjectsApi api = api();
    Optional<JsonNode> existing = read(api, name, action);
    if (existing.isPresent()) {
      requireOwned(existing.get(), addon.stack(), addon.name(), action);
      if (!existing.get().path("metadata").path("deletionTimestamp").isMissingNode()) {
        throw new CommandException(
            ErrorCode.CONFLICT,
            "cannot "
                + action
                + ": it is being deleted; apply again once Argo CD has finished deleting it");
      }
    }
    JsonNode applied;
    try {
      ApiClient client = api.getApiClient();
      Object answer =
          PatchUtils.patch(
              Object.class,
              () ->
                  api.patchNamespacedCustomObject(
                          group, VERSION, namespace, PLURAL, name, desired(addon))
                      .fieldManager(FIELD_MANAGER)
                      .force(true)
                      // a field this CRD version does not know is an error, not silently dropped
                      .fieldValidation("Strict")
                      .buildCall(null),
              V1Patch.PATCH_FORMAT_APPLY_YAML,
              client);
      applied = json.valueToTree(answer);
    } catch (ApiException e) {
      throw errors.failure(action, e);
    }
    if (existing.isEmpty()) {
      return ApplyOutcome.CREATED;
    }
    // A no-op apply leaves resourceVersion as it was; any real write changes it.
    return resourceVersion(existing.get()).equals(resourceVersion(applied))
        ? ApplyOutcome.UNCHANGED
        : ApplyOutcome.UPDATED;
  }

  /**
   * The add-on's Application as Argo CD last reported it.
   *
   * @throws CommandException {@code NOT_FOUND} when there is no Application for the add-on, or when
   *     Argo CD is not installed (the message says which)
   */
  public ArgoApplicationStatus status(String stack, String addon) throws CommandException {
    String name = checkedName(stack, addon);
    String action = "read Argo CD Application " + namespace + "/" + name;
    JsonNode application =
        read(api(), name, action)
            .orElseThrow(() ->
                new CommandException(
                    ErrorCode.NOT_FOUND,
                    "no Argo CD Application "
                        + namespace
                        + "/"
                        + name
                        + " for add-on "
                        + addon
                        + " of stack "
                        + stack));
    requireOwned(application, stack, addon, action);
    return ArgoApplicationStatus.of(application);
  }

  /** The stack's Applications (those the agent labelled with it), by add-on name. */
  public List<ArgoApplicationStatus> list(String stack) throws CommandException {
    Names.DNS_LABEL.check("stack", "stack name", stack);
    String action = "list the Argo CD Applications of stack " + stack + " in " + namespace;
    String selector = MANAGED_BY_LABEL + "=" + MANAGED_BY + "," + STACK_LABEL + "=" + stack;
    CustomObjectsApi api = api();
    List<ArgoApplicationStatus> statuses = new ArrayList<>();
    String continueToken = null;
    try {
      do {
        JsonNode page =
            json.valueToTree(
                api.listNamespacedCustomObject(group, VERSION, namespace, PLURAL)
                    .labelSelector(selector)
                    .limit(500)
                    ._continue(continueToken)
                    .execute());
        for (JsonNode item : page.path("items")) {
          statuses.add(ArgoApplicationStatus.of(item));
        }
        String next = page.path("metadata").path("continue").asString("");
        continueToken = next.isEmpty() ? null : next;
      } while (continueToken != null);
    } catch (ApiException e) {
      throw errors.failure(action, e);
    }
    statuses.sort(Comparator.comparing(ArgoApplicationStatus::addon));
    return List.copyOf(statuses);
  }

  /**
   * Deletes the add-on's Application, removing or keeping what Argo CD deployed for it.
   *
   * <p>The cascade finalizer is decided here, at deletion, and never written by {@link #apply}:
   * this is what Argo CD's own API server does ({@code server/application/application.go}, Delete:
   * it adds the finalizer for a cascading delete, removes it for a non-cascading one, and does not
   * set it when it creates an Application). A finalizer set at apply time would make every deletion
   * cascade, including the hand-over to the native engine, which deletes the Application after Helm
   * adopted the same objects and must leave them running; and it would leave an Application that no
   * controller will ever finalize when Argo CD is gone or broken. Set at deletion it is exactly
   * what the caller asked for.
   *
   * @return {@link DeleteOutcome#DELETING} when Argo CD still has to remove the deployed objects
   */
  public DeleteOutcome delete(String stack, String addon, DeployedResources deployed)
      throws CommandException {
    String name = checkedName(stack, addon);
    String action = "delete Argo CD Application " + namespace + "/" + name;
    CustomObjectsApi api = api();
    for (int attempt = 1; ; attempt++) {
      Optional<JsonNode> existing = read(api, name, action);
      if (existing.isEmpty()) {
        return DeleteOutcome.ABSENT;
      }
      requireOwned(existing.get(), stack, addon, action);
      try {
        setCascade(api, name, existing.get(), deployed);
        break;
      } catch (ApiException e) {
        // 409: the Application changed since it was read (the resourceVersion precondition)
        if (e.getCode() != 409 || attempt == FINALIZER_ATTEMPTS) {
          throw errors.failure(action, e);
        }
      }
    }
    try {
      JsonNode answer =
          json.valueToTree(
              api.deleteNamespacedCustomObject(group, VERSION, namespace, PLURAL, name).execute());
      // The API server answers with a Status once the object is gone, with the object itself
      // while finalizers hold it.
      return answer.path("kind").asString("").equals("Status")
          ? DeleteOutcome.DELETED
          : DeleteOutcome.DELETING;
    } catch (ApiException e) {
      if (e.getCode() == 404 && !errors.typeNotServed(e)) {
        return DeleteOutcome.ABSENT;
      }
      throw errors.failure(action, e);
    }
  }

  // ------------------------------------------------------------------ the Application object

  /** The Application the agent applies for an add-on: only the fields the agent owns. */
  Map<String, Object> desired(ArgoAddon addon) {
    Map<String, Object> helm = new LinkedHashMap<>();
    // Argo CD names the Helm release after the Application unless told; the add-on's name keeps
    // the chart's object names what the native engine (and a later hand-over to it) uses.
    helm.put("releaseName", addon.name());
    if (addon.hasValues()) {
      // The text as written, not valuesObject: Helm reads it itself, comments and anchors
      // included, rather than a second YAML reading in the agent.
      helm.put("values", addon.valuesYaml());
    }
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("repoURL", addon.argoRepoUrl());
    source.put("chart", addon.chartName());
    source.put("targetRevision", addon.chartVersion());
    source.put("helm", helm);

    List<String> syncOptions = new ArrayList<>();
    if (addon.createNamespace()) {
      syncOptions.add("CreateNamespace=true");
    }
    // Argo CD applies the chart's objects server-side: no last-applied annotation to outgrow, and
    // field ownership shared with other controllers.
    syncOptions.add("ServerSideApply=true");
    Map<String, Object> syncPolicy = new LinkedHashMap<>();
    syncPolicy.put("automated", Map.of("selfHeal", addon.selfHeal(), "prune", addon.autoPrune()));
    syncPolicy.put("syncOptions", syncOptions);

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("project", "default");
    spec.put("source", source);
    spec.put(
        "destination", Map.of("server", IN_CLUSTER, "namespace", addon.destinationNamespace()));
    spec.put("syncPolicy", syncPolicy);
    spec.put("revisionHistoryLimit", addon.revisionHistoryLimit());

    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", addon.applicationName());
    metadata.put("namespace", namespace);
    metadata.put(
        "labels",
        Map.of(
            MANAGED_BY_LABEL, MANAGED_BY, STACK_LABEL, addon.stack(), ADDON_LABEL, addon.name()));

    Map<String, Object> application = new LinkedHashMap<>();
    application.put("apiVersion", group + "/" + VERSION);
    application.put("kind", "Application");
    application.put("metadata", metadata);
    application.put("spec", spec);
    return application;
  }

  // ------------------------------------------------------------------ helpers

  /** Adds or removes the cascade finalizer as {@code deployed} asks, if it is not so already. */
  private void setCascade(
      CustomObjectsApi api, String name, JsonNode application, DeployedResources deployed)
      throws ApiException {
    JsonNode metadata = application.path("metadata");
    List<String> finalizers = new ArrayList<>();
    metadata.path("finalizers").forEach(f -> finalizers.add(f.asString()));
    boolean cascades = finalizers.stream().anyMatch(ArgoApplications::isResourcesFinalizer);
    List<String> wanted;
    if (deployed == DeployedResources.REMOVE) {
      // Kubernetes refuses new finalizers on an object already being deleted; then the deletion
      // proceeds as it was started.
      if (cascades || !metadata.path("deletionTimestamp").isMissingNode()) {
        return;
      }
      wanted = new ArrayList<>(finalizers);
      wanted.add(RESOURCES_FINALIZER);
    } else {
      if (!cascades) {
        return;
      }
      wanted = finalizers.stream().filter(f -> !isResourcesFinalizer(f)).toList();
    }
    // A merge patch replaces the whole list; the resourceVersion makes it conditional on the list
    // it was computed from, so a finalizer another party added meanwhile is never dropped (409).
    Map<String, Object> patch =
        Map.of(
            "metadata",
            Map.of("resourceVersion", resourceVersion(application), "finalizers", wanted));
    PatchUtils.patch(
        Object.class,
        () ->
            api.patchNamespacedCustomObject(group, VERSION, namespace, PLURAL, name, patch)
                .fieldManager(FIELD_MANAGER)
                .buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
        api.getApiClient());
  }

  private static boolean isResourcesFinalizer(String finalizer) {
    return finalizer.equals(RESOURCES_FINALIZER) || finalizer.startsWith(RESOURCES_FINALIZER + "/");
  }

  /** The Application, or empty when there is none (and Argo CD is installed). */
  private Optional<JsonNode> read(CustomObjectsApi api, String name, String action)
      throws CommandException {
    try {
      return Optional.of(
          json.valueToTree(
              api.getNamespacedCustomObject(group, VERSION, namespace, PLURAL, name).execute()));
    } catch (ApiException e) {
      if (e.getCode() == 404 && !errors.typeNotServed(e)) {
        return Optional.empty();
      }
      throw errors.failure(action, e);
    }
  }

  /** Refuses to touch an Application the agent did not make for this stack's add-on. */
  private static void requireOwned(JsonNode application, String stack, String addon, String action)
      throws CommandException {
    JsonNode labels = application.path("metadata").path("labels");
    boolean owned =
        labels.path(MANAGED_BY_LABEL).asString("").equals(MANAGED_BY)
            && labels.path(STACK_LABEL).asString("").equals(stack)
            && labels.path(ADDON_LABEL).asString("").equals(addon);
    if (!owned) {
      throw new CommandException(
          ErrorCode.CONFLICT,
          "cannot "
              + action
              + ": an Application of that name exists that the agent did not make for add-on "
              + addon
              + " of stack "
              + stack
              + " (labels "
              + labels
              + ")");
    }
  }

  private static String checkedName(String stack, String addon) throws CommandException {
    Names.DNS_LABEL.check("stack", "stack name", stack);
    Names.DNS_LABEL.check("name", "add-on name", addon);
    return ArgoAddon.applicationName(stack, addon);
  }

  private static String resourceVersion(JsonNode object) {
    return object.path("metadata").path("resourceVersion").asString("");
  }

  private CustomObjectsApi api() throws CommandException {
    try {
      return new CustomObjectsApi(clients.get());
    } catch (IOException | RuntimeException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot configure the Kubernetes client: " + e.getMessage(),
          e);
    }
  }
}
