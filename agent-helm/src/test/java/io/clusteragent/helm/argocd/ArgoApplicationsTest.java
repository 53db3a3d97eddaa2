package io.clusteragent.helm.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ArgoApplications} against the real API server with Argo CD's own Application CRD installed
 * (v3.5.1, vendored in {@code src/test/resources/argocd}). No Argo CD controller runs: nothing
 * renders a chart or writes a status, so where a test needs what a controller would write ({@code
 * status}, or the removal of the cascade finalizer once the deployed objects are gone) it writes it
 * itself with kubectl. The CRD has no status subresource, so status is patched on the object
 * itself, as Argo CD's controller does.
 *
 * <p>The CRD and the {@code argocd} namespace are cluster-wide and stay for the JVM's other tests;
 * each test uses its own stack names.
 */
@WithTestEnvironment
class ArgoApplicationsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String ARGO_NAMESPACE = ArgoCdSettings.DEFAULTS.namespace();

  @TempDir Path work;

  private TestEnvironment env;
  private ArgoApplications applications;
  private String stack;

  @BeforeAll
  static void installArgoCdCrd(TestEnvironment env) throws Exception {
    ArgoCdCrd.install(env, ARGO_NAMESPACE);
  }

  @BeforeEach
  void applications(TestEnvironment env) {
    this.env = env;
    applications = new ArgoApplications(env::adminApiClient, ArgoCdSettings.DEFAULTS, JSON);
    stack = "stk-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void applyCreatesAnApplicationWithEverySpecField() throws Exception {
    ArgoAddon addon =
        new ArgoAddon(
            stack,
            "ingress",
            "ingress-nginx",
            "oci://registry.example.com/charts/",
            "4.11.2",
            """
            # the platform's values, as written
            controller:
              replicaCount: 2
            """,
            "ingress-system",
            true,
            false,
            true,
            7);

    assertThat(applications.apply(addon)).isEqualTo(ApplyOutcome.CREATED);

    JsonNode app = kubectlGet(stack + "-ingress");
    JsonNode metadata = app.get("metadata");
    assertThat(metadata.get("namespace").asString()).isEqualTo("argocd");
    assertThat(metadata.get("labels").get("app.kubernetes.io/managed-by").asString())
        .isEqualTo("ankra-agent");
    assertThat(metadata.get("labels").get("agent.ankra.io/stack").asString()).isEqualTo(stack);
    assertThat(metadata.get("labels").get("agent.ankra.io/addon").asString()).isEqualTo("ingress");
    assertThat(metadata.has("finalizers")).as("apply sets no cascade finalizer").isFalse();
    JsonNode spec = app.get("spec");
    assertThat(spec.get("project").asString()).isEqualTo("default");
    JsonNode source = spec.get("source");
    assertThat(source.get("repoURL").asString()).isEqualTo("registry.example.com/charts");
    assertThat(source.get("chart").asString()).isEqualTo("ingress-nginx");
    assertThat(source.get("targetRevision").asString()).isEqualTo("4.11.2");
    assertThat(source.get("helm").get("releaseName").asString()).isEqualTo("ingress");
    assertThat(source.get("helm").get("values").asString())
        .isEqualTo("# the platform's values, as written\ncontroller:\n  replicaCount: 2\n");
    assertThat(source.has("path")).isFalse();
    assertThat(spec.get("destination").get("server").asString())
        .isEqualTo("https://kubernetes.default.svc");
    assertThat(spec.get("destination").get("namespace").asString()).isEqualTo("ingress-system");
    JsonNode automated = spec.get("syncPolicy").get("automated");
    assertThat(automated.get("selfHeal").asBoolean()).isTrue();
    assertThat(automated.get("prune").asBoolean()).isFalse();
    assertThat(strings(spec.get("syncPolicy").get("syncOptions")))
        .containsExactly("CreateNamespace=true", "ServerSideApply=true");
    assertThat(spec.get("revisionHistoryLimit").asInt()).isEqualTo(7);
  }

  @Test
  void applyingTheSameAddonAgainIsUnchangedAndChangedValuesUpdate() throws Exception {
    ArgoAddon first = addon("web", "replicas: 1\n");
    assertThat(applications.apply(first)).isEqualTo(ApplyOutcome.CREATED);
    String createdVersion = resourceVersion(stack + "-web");

    assertThat(applications.apply(first)).isEqualTo(ApplyOutcome.UNCHANGED);
    assertThat(resourceVersion(stack + "-web")).isEqualTo(createdVersion);

    ArgoAddon changed =
        new ArgoAddon(
            stack,
            "web",
            "podinfo",
            "https://stefanprodan.github.io/podinfo",
            "6.7.0",
            "replicas: 3\n",
            "web",
            false,
            true,
            false,
            10);
    assertThat(applications.apply(changed)).isEqualTo(ApplyOutcome.UPDATED);
    JsonNode spec = kubectlGet(stack + "-web").get("spec");
    assertThat(spec.get("source").get("repoURL").asString())
        .isEqualTo("https://stefanprodan.github.io/podinfo");
    assertThat(spec.get("source").get("targetRevision").asString()).isEqualTo("6.7.0");
    assertThat(spec.get("source").get("helm").get("values").asString()).isEqualTo("replicas: 3\n");
    assertThat(spec.get("syncPolicy").get("automated").get("selfHeal").asBoolean()).isFalse();
    assertThat(strings(spec.get("syncPolicy").get("syncOptions")))
        .containsExactly("ServerSideApply=true");

    // values dropped: the field the agent applied before goes, not left behind
    ArgoAddon noValues =
        new ArgoAddon(
            stack,
            "web",
            "podinfo",
            "https://stefanprodan.github.io/podinfo",
            "6.7.0",
            null,
            "web",
            false,
            true,
            false,
            10);
    assertThat(applications.apply(noValues)).isEqualTo(ApplyOutcome.UPDATED);
    assertThat(kubectlGet(stack + "-web").get("spec").get("source").get("helm").has("values"))
        .isFalse();
    assertThat(applications.apply(noValues)).isEqualTo(ApplyOutcome.UNCHANGED);
    assertThat(applications.list(stack)).hasSize(1);
  }

  @Test
  void statusOfAnApplicationNoControllerHasSeenIsNotReconciled() throws Exception {
    applications.apply(addon("cache", null));

    ArgoApplicationStatus status = applications.status(stack, "cache");

    assertThat(status.reconciled()).isFalse();
    assertThat(status.syncStatus()).isEqualTo("Unknown");
    assertThat(status.healthStatus()).isEqualTo("Unknown");
    assertThat(status.operationPhase()).isEmpty();
    assertThat(status.operationMessage()).isEmpty();
    assertThat(status.conditions()).isEmpty();
    assertThat(status.deleting()).isFalse();
    assertThat(status.application()).isEqualTo(stack + "-cache");
    assertThat(status.stack()).isEqualTo(stack);
    assertThat(status.addon()).isEqualTo("cache");
    assertThat(status.summary()).startsWith("not yet reconciled by Argo CD");
  }

  @Test
  void statusReadsWhatTheControllerWroteAndApplyLeavesItAlone() throws Exception {
    ArgoAddon addon = addon("db", "size: small\n");
    applications.apply(addon);
    String name = stack + "-db";

    writeStatus(
        name,
        """
        {"status": {
          "reconciledAt": "2026-05-01T10:00:00Z",
          "sync": {"status": "Synced", "revision": "1.0.0"},
          "health": {"status": "Healthy"},
          "operationState": {
            "operation": {"sync": {"revision": "1.0.0"}},
            "phase": "Succeeded",
            "message": "successfully synced (all tasks run)",
            "startedAt": "2026-05-01T09:59:50Z"
          }
        }}
        """);
    ArgoApplicationStatus synced = applications.status(stack, "db");
    assertThat(synced.reconciled()).isTrue();
    assertThat(synced.syncStatus()).isEqualTo("Synced");
    assertThat(synced.healthStatus()).isEqualTo("Healthy");
    assertThat(synced.operationPhase()).contains("Succeeded");
    assertThat(synced.operationMessage()).contains("successfully synced (all tasks run)");
    assertThat(synced.summary())
        .isEqualTo("Synced, Healthy; last sync Succeeded: successfully synced (all tasks run)");

    // the agent's apply owns the spec only: the controller's status survives it
    assertThat(applications.apply(addon)).isEqualTo(ApplyOutcome.UNCHANGED);
    assertThat(applications.apply(addon("db", "size: large\n"))).isEqualTo(ApplyOutcome.UPDATED);
    assertThat(applications.status(stack, "db").syncStatus()).isEqualTo("Synced");

    writeStatus(
        name,
        """
        {"status": {
          "sync": {"status": "OutOfSync"},
          "health": {"status": "Degraded"},
          "operationState": {
            "operation": {"sync": {"revision": "1.0.0"}},
            "phase": "Failed",
            "message": "one or more objects failed to apply",
            "startedAt": "2026-05-01T10:01:00Z"
          },
          "conditions": [
            {"type": "SyncError", "message": "Deployment db is invalid"}
          ]
        }}
        """);
    ArgoApplicationStatus degraded = applications.status(stack, "db");
    assertThat(degraded.syncStatus()).isEqualTo("OutOfSync");
    assertThat(degraded.healthStatus()).isEqualTo("Degraded");
    assertThat(degraded.operationPhase()).contains("Failed");
    assertThat(degraded.operationMessage()).contains("one or more objects failed to apply");
    assertThat(degraded.conditions()).containsExactly("SyncError: Deployment db is invalid");
  }

  @Test
  void listReturnsTheStacksApplicationsOnly() throws Exception {
    String otherStack = stack + "-b";
    applications.apply(addon("zeta", null));
    applications.apply(addon("alpha", null));
    applications.apply(
        ArgoAddon.withDefaults(
            otherStack, "alpha", "podinfo", "https://charts.example.com", "1.0.0", null, "x"));

    assertThat(applications.list(stack))
        .extracting(ArgoApplicationStatus::application)
        .containsExactly(stack + "-alpha", stack + "-zeta");
    assertThat(applications.list(otherStack))
        .extracting(ArgoApplicationStatus::addon)
        .containsExactly("alpha");
    assertThat(applications.list(stack + "-none")).isEmpty();
  }

  @Test
  void deleteKeepingTheDeployedObjectsRemovesTheApplicationAndAnyCascadeFinalizer()
      throws Exception {
    applications.apply(addon("logs", null));
    String name = stack + "-logs";
    // as if someone had asked Argo CD for cascading deletion before
    env.kubectl(
            "patch",
            "applications.argoproj.io",
            name,
            "-n",
            ARGO_NAMESPACE,
            "--type=merge",
            "-p",
            "{\"metadata\":{\"finalizers\":[\"resources-finalizer.argocd.argoproj.io/background\"]}}")
        .assertSuccess();

    assertThat(applications.delete(stack, "logs", DeployedResources.KEEP))
        .isEqualTo(DeleteOutcome.DELETED);

    assertThat(exists(name)).isFalse();
    assertThat(applications.delete(stack, "logs", DeployedResources.KEEP))
        .isEqualTo(DeleteOutcome.ABSENT);
    assertThat(applications.list(stack)).isEmpty();
  }

  @Test
  void deleteRemovingTheDeployedObjectsWaitsForArgoCdsFinalizer() throws Exception {
    applications.apply(addon("metrics", null));
    String name = stack + "-metrics";

    assertThat(applications.delete(stack, "metrics", DeployedResources.REMOVE))
        .isEqualTo(DeleteOutcome.DELETING);

    JsonNode metadata = kubectlGet(name).get("metadata");
    assertThat(strings(metadata.get("finalizers")))
        .containsExactly("resources-finalizer.argocd.argoproj.io");
    assertThat(metadata.has("deletionTimestamp")).isTrue();
    assertThat(applications.status(stack, "metrics").deleting()).isTrue();
    assertThat(codeOf(() -> applications.apply(addon("metrics", null))))
        .isEqualTo(ErrorCode.CONFLICT);
    // asking again changes nothing while Argo CD works
    assertThat(applications.delete(stack, "metrics", DeployedResources.REMOVE))
        .isEqualTo(DeleteOutcome.DELETING);

    // what the controller does once the deployed objects are gone
    env.kubectl(
            "patch",
            "applications.argoproj.io",
            name,
            "-n",
            ARGO_NAMESPACE,
            "--type=merge",
            "-p",
            "{\"metadata\":{\"finalizers\":null}}")
        .assertSuccess();
    assertThat(exists(name)).isFalse();
  }

  @Test
  void anApplicationTheAgentDidNotMakeIsNeitherTakenOverNorDeleted() throws Exception {
    String name = stack + "-foreign";
    env.kubectl(
            "create",
            "-n",
            ARGO_NAMESPACE,
            "-f",
            writeTemp(
                    """
                    apiVersion: argoproj.io/v1alpha1
                    kind: Application
                    metadata:
                      name: %s
                    spec:
                      project: default
                      source: {repoURL: "https://charts.example.com", chart: own, targetRevision: "1.0.0"}
                      destination: {server: "https://kubernetes.default.svc", namespace: own}
                    """
                        .formatted(name))
                .toString())
        .assertSuccess();

    assertThat(codeOf(() -> applications.apply(addon("foreign", null))))
        .isEqualTo(ErrorCode.CONFLICT);
    assertThat(codeOf(() -> applications.delete(stack, "foreign", DeployedResources.KEEP)))
        .isEqualTo(ErrorCode.CONFLICT);
    assertThat(codeOf(() -> applications.status(stack, "foreign"))).isEqualTo(ErrorCode.CONFLICT);
    assertThat(kubectlGet(name).get("spec").get("source").get("chart").asString()).isEqualTo("own");
    env.kubectl("delete", "applications.argoproj.io", name, "-n", ARGO_NAMESPACE).assertSuccess();
  }

  @Test
  void statusOfAnAddonWithoutApplicationIsNotFound() {
    CommandException e = thrown(() -> applications.status(stack, "never-applied"));
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getMessage()).contains("no Argo CD Application").doesNotContain("not installed");
  }

  @Test
  void withoutTheApplicationTypeEveryCallSaysArgoCdIsNotInstalled() {
    ArgoApplications notInstalled =
        new ArgoApplications(
            env::adminApiClient, ArgoCdSettings.DEFAULTS, JSON, "not-installed.argocd.example");
    List<ThrowingCallable> calls =
        List.of(
            () -> notInstalled.apply(addon("web", null)),
            () -> notInstalled.status(stack, "web"),
            () -> notInstalled.list(stack),
            () -> notInstalled.delete(stack, "web", DeployedResources.KEEP));
    for (ThrowingCallable call : calls) {
      CommandException e = thrown(call);
      assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(e.getMessage()).contains("Argo CD is not installed");
    }
  }

  @Test
  void aUserWithoutRbacIsForbidden() {
    ArgoApplications asNobody =
        new ArgoApplications(env::nonAdminApiClient, ArgoCdSettings.DEFAULTS, JSON);
    assertThat(codeOf(() -> asNobody.apply(addon("web", null)))).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(codeOf(() -> asNobody.status(stack, "web"))).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(codeOf(() -> asNobody.list(stack))).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(exists(stack + "-web")).isFalse();
  }

  @Test
  void anUnreachableApiServerIsUpstreamUnavailable() {
    // port 1 on loopback: nothing listens, the connection is refused at once
    ArgoApplications unreachable =
        new ArgoApplications(
            () -> new ClientBuilder().setBasePath("https://127.0.0.1:1").build(),
            ArgoCdSettings.DEFAULTS,
            JSON);
    assertThat(codeOf(() -> unreachable.list(stack))).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    assertThat(codeOf(() -> unreachable.apply(addon("web", null))))
        .isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
  }

  @Test
  void anAddonArgoCdCouldNotDeployIsRefusedBeforeTheApiServer() {
    ArgoAddon httpRepo =
        ArgoAddon.withDefaults(stack, "web", "web", "http://charts.example.com", "1", null, "web");
    CommandException e = thrown(() -> applications.apply(httpRepo));
    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.getMessage()).contains("registry_url");
    assertThat(codeOf(() -> applications.status("Bad_Stack", "web")))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(exists(stack + "-web")).isFalse();
  }

  // ------------------------------------------------------------------ helpers

  private ArgoAddon addon(String name, String values) {
    return ArgoAddon.withDefaults(
        stack, name, "podinfo", "oci://ghcr.io/stefanprodan/charts", "6.7.1", values, name);
  }

  private JsonNode kubectlGet(String name) {
    return JSON.readTree(
        env.kubectl("get", "applications.argoproj.io", name, "-n", ARGO_NAMESPACE, "-o", "json")
            .assertSuccess()
            .stdout());
  }

  private String resourceVersion(String name) {
    return kubectlGet(name).get("metadata").get("resourceVersion").asString();
  }

  private boolean exists(String name) {
    CommandResult get =
        env.kubectl(
            "get", "applications.argoproj.io", name, "-n", ARGO_NAMESPACE, "--ignore-not-found");
    get.assertSuccess();
    return !get.stdout().isBlank();
  }

  /** Writes status as Argo CD's controller would: on the object (the CRD has no subresource). */
  private void writeStatus(String name, String patch) {
    env.kubectl(
            "patch",
            "applications.argoproj.io",
            name,
            "-n",
            ARGO_NAMESPACE,
            "--type=merge",
            "-p",
            patch)
        .assertSuccess();
  }

  private Path writeTemp(String content) throws Exception {
    Path file = work.resolve("application-" + UUID.randomUUID() + ".yaml");
    Files.writeString(file, content);
    return file;
  }

  private static List<String> strings(JsonNode array) {
    return array.valueStream().map(JsonNode::asString).toList();
  }

  private static ErrorCode codeOf(ThrowingCallable call) {
    return thrown(call).code();
  }

  private static CommandException thrown(ThrowingCallable call) {
    try {
      call.call();
    } catch (CommandException e) {
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected a CommandException", t);
    }
    throw new AssertionError("expected a CommandException, but the call succeeded");
  }
}
