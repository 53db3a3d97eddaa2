package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.cli.AgentCtl;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.cli.ResourceList;
import io.clusteragent.cli.ResourceWatcher;
import io.clusteragent.cli.StreamLines;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Browsing end to end through NATS: api.resources, the catalog, dynamic discovery of a CRD created
 * and deleted while the agents run, and agentctl get against real agents.
 */
@WithTestEnvironment
class BrowsingThroughNatsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static ConfigurableApplicationContext dynamicAgent;
  private static ConfigurableApplicationContext catalogAgent;
  private static Connection nats;
  private static PlatformClient dynamic;
  private static PlatformClient catalog;
  private static String ns;

  @BeforeAll
  static void start(TestEnvironment env) throws Exception {
    ns = Workloads.uniqueNamespace(env, "browse");
    dynamicAgent =
        InProcessAgent.start(
            env, "browse-dynamic", Map.of("agent.dynamic-api-discovery-enabled", "true"));
    // a low event rate, so a burst of changes crosses it (each test here changes a few objects)
    catalogAgent =
        InProcessAgent.start(
            env, "browse-catalog", Map.of("agent.k8s-watch.max-events-per-sec", "2"));
    nats = Nats.connect(env.natsUrl());
    dynamic = new PlatformClient(nats, "agent", "browse-dynamic", env.platformSigner());
    catalog = new PlatformClient(nats, "agent", "browse-catalog", env.platformSigner());
    InProcessAgent.awaitServing(dynamic);
    InProcessAgent.awaitServing(catalog);
  }

  @AfterAll
  static void stop() throws Exception {
    nats.close();
    dynamicAgent.close();
    catalogAgent.close();
  }

  @Test
  void theCatalogAgentServesEveryCatalogTypeAndNothingElse() throws Exception {
    JsonNode served = apiResources(catalog);
    Set<String> types = new HashSet<>();
    served.forEach(
        r -> types.add(r.path("resource").asString() + "." + r.path("group").asString()));
    assertThat(types)
        .contains(
            "pods.",
            "services.",
            "endpoints.",
            "configmaps.",
            "secrets.",
            "persistentvolumeclaims.",
            "persistentvolumes.",
            "namespaces.",
            "nodes.",
            "events.",
            "serviceaccounts.",
            "resourcequotas.",
            "limitranges.",
            "deployments.apps",
            "statefulsets.apps",
            "daemonsets.apps",
            "replicasets.apps",
            "jobs.batch",
            "cronjobs.batch",
            "endpointslices.discovery.k8s.io",
            "ingresses.networking.k8s.io",
            "ingressclasses.networking.k8s.io",
            "networkpolicies.networking.k8s.io",
            "storageclasses.storage.k8s.io",
            "roles.rbac.authorization.k8s.io",
            "rolebindings.rbac.authorization.k8s.io",
            "clusterroles.rbac.authorization.k8s.io",
            "clusterrolebindings.rbac.authorization.k8s.io",
            "horizontalpodautoscalers.autoscaling",
            "poddisruptionbudgets.policy",
            "customresourcedefinitions.apiextensions.k8s.io")
        .noneMatch(t -> t.endsWith(".kwok.x-k8s.io"));

    // every one of them lists through the protocol, as the agent's own identity
    for (JsonNode type : served) {
      ResourceList list =
          catalog.list(
              JSON.createObjectNode()
                  .put("group", type.path("group").asString())
                  .put("version", type.path("version").asString())
                  .put("resource", type.path("resource").asString())
                  .put("limit", 5),
              WAIT,
              WAIT);
      assertThat(list.head().path("kind").asString())
          .as(type.toString())
          .isEqualTo(type.path("kind").asString() + "List");
    }
  }

  @Test
  void aCrdBecomesBrowsableAndWatchableWithDiscoveryOnAndIsRefusedWithItOff(TestEnvironment env)
      throws Exception {
    Path crd = env.dir().resolve("widgets-crd.yaml");
    Files.writeString(
        crd,
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                x-kubernetes-preserve-unknown-fields: true
        """);
    Predicate<JsonNode> widgets = r -> r.path("resource").asString().equals("widgets");
    assertThat(apiResources(dynamic).valueStream().noneMatch(widgets)).isTrue();

    env.kubectl("apply", "-f", crd.toString()).assertSuccess();
    env.kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=60s")
        .assertSuccess();
    try {
      awaitApiResources(dynamic, list -> list.valueStream().anyMatch(widgets));
      assertThat(apiResources(catalog).valueStream().noneMatch(widgets)).isTrue();

      String widgetList =
          "{\"group\":\"example.com\",\"version\":\"v1\",\"resource\":\"widgets\",\"namespace\":\""
              + ns
              + "\"";
      try (PlatformStream watch =
          dynamic.openStream("resources.watch", JSON.readTree(widgetList + "}"), 8, WAIT)) {
        StreamLines events = new StreamLines(watch, WAIT);
        Path widget = env.dir().resolve("widget.yaml");
        Files.writeString(
            widget,
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: "
                + ns
                + "\nspec:\n  size: 3\n");
        env.kubectl("apply", "-f", widget.toString()).assertSuccess();
        JsonNode added = events.next();
        while (added.path("type").asString().equals("BOOKMARK")) {
          added = events.next();
        }
        assertThat(added.path("type").asString()).isEqualTo("ADDED");
        assertThat(added.path("object").path("spec").path("size").asInt()).isEqualTo(3);
        watch.cancel("seen");
      }
      ResourceList listed = dynamic.list(JSON.readTree(widgetList + "}"), WAIT, WAIT);
      assertThat(listed.items())
          .extracting(i -> i.path("metadata").path("name").asString())
          .containsExactly("w1");

      assertThatThrownBy(() -> catalog.list(JSON.readTree(widgetList + "}"), WAIT, WAIT))
          .isInstanceOfSatisfying(
              StreamLines.StreamFailedException.class,
              e -> {
                assertThat(e.code()).isEqualTo("BAD_REQUEST");
                assertThat(e.getMessage())
                    .contains("widgets.example.com is not in this agent's built-in catalog")
                    .contains("DYNAMIC_API_DISCOVERY_ENABLED=true");
              });
      Reply refused =
          catalog.request("resources.get", JSON.readTree(widgetList + ",\"name\":\"w1\"}"), WAIT);
      assertThat(refused.error().code()).isEqualTo("BAD_REQUEST");
    } finally {
      env.kubectl("delete", "-f", crd.toString(), "--wait=true").assertSuccess();
    }
    awaitApiResources(dynamic, list -> list.valueStream().noneMatch(widgets));
  }

  @Test
  void agentctlGetPrintsKubectlLikeTablesAndTheServersObjects(TestEnvironment env)
      throws Exception {
    List<String> pods = Workloads.deployAndAwaitPodNames(env, ns, "web", 2);
    for (int i = 0; i < 3; i++) {
      env.kubectl("create", "configmap", "ctl-" + i, "-n", ns, "--from-literal=k=" + i)
          .assertSuccess();
    }

    Run table = agentctl(env, "get", "pods", "-A");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.getFirst()).matches("NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE");
    for (String pod : pods) {
      assertThat(lines).anyMatch(l -> l.matches(ns + " +" + pod + " +1/1 +Running +0 +\\S+"));
    }

    Run json = agentctl(env, "get", "cm", "-n", ns, "-o", "json");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode viaAgent = JSON.readTree(json.out());
    JsonNode direct =
        JSON.readTree(
            env.kubectl("get", "configmaps", "-n", ns, "-o", "json").assertSuccess().stdout());
    assertThat(viaAgent.path("kind").asString()).isEqualTo("List");
    assertThat(viaAgent.path("items").size()).isEqualTo(direct.path("items").size());
    for (int i = 0; i < direct.path("items").size(); i++) {
      JsonNode expected = direct.path("items").get(i).deepCopy();
      ((tools.jackson.databind.node.ObjectNode) expected.path("metadata")).remove("managedFields");
      assertThat(viaAgent.path("items").get(i)).isEqualTo(expected);
    }

    Run names = agentctl(env, "get", "deploy", "-n", ns, "-o", "name");
    assertThat(names.out().strip()).isEqualTo("deployment.apps/web");

    Run missing = agentctl(env, "get", "cm", "nope", "-n", ns);
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("NOT_FOUND").contains("\"nope\" not found");

    Run unknown = agentctl(env, "get", "gizmos");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("no resource type \"gizmos\"");

    Run types = agentctl(env, "api-resources");
    assertThat(types.out().lines().toList().getFirst())
        .matches("NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND");
    assertThat(types.out()).containsPattern("deployments +deploy +apps/v1 +true +Deployment");
  }

  @Test
  void agentctlWatchPrintsTheListThenEachChangeAsItHappens(TestEnvironment env) throws Exception {
    String watchNs = Workloads.uniqueNamespace(env, "ctlwatch");
    env.kubectl("create", "configmap", "there-before", "-n", watchNs).assertSuccess();
    java.util.concurrent.CompletableFuture<Run> watching =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> agentctl(env, "watch", "cm", "-n", watchNs, "--for", "6s"));
    // the watcher lists first; what changes after is an event
    Thread.sleep(2500);
    env.kubectl("create", "configmap", "made-later", "-n", watchNs).assertSuccess();
    Run run = watching.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .containsPattern("RESYNC +\\d+ object\\(s\\) at resourceVersion \\d+")
        .containsPattern("LISTED +" + watchNs + " configmap/there-before \\d+")
        .containsPattern("ADDED +" + watchNs + " configmap/made-later \\d+");
  }

  @Test
  void beyondTheAgentsEventRateTheWatcherIsToldToRelistAndEndsEqualToTheServer(TestEnvironment env)
      throws Exception {
    String burstNs = Workloads.uniqueNamespace(env, "burst");
    Map<String, String> view = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicInteger resyncs =
        new java.util.concurrent.atomic.AtomicInteger();
    ResourceWatcher.Listener listener =
        new ResourceWatcher.Listener() {
          @Override
          public void resync(List<JsonNode> objects, String resourceVersion) {
            view.clear();
            objects.forEach(o -> view.put(name(o), version(o)));
            resyncs.incrementAndGet();
          }

          @Override
          public void event(String type, JsonNode object) {
            if (type.equals("DELETED")) {
              view.remove(name(object));
            } else {
              view.put(name(object), version(object));
            }
          }
        };
    try (ResourceWatcher watcher =
        new ResourceWatcher(
                catalog,
                JSON.createObjectNode()
                    .put("group", "")
                    .put("version", "v1")
                    .put("resource", "configmaps")
                    .put("namespace", burstNs),
                listener,
                Duration.ofMillis(100),
                Duration.ofSeconds(1))
            .start()) {
      long until = System.nanoTime() + WAIT.toNanos();
      while (resyncs.get() < 1) {
        assertThat(System.nanoTime()).as("first list").isLessThan(until);
        Thread.sleep(50);
      }
      for (int i = 0; i < 12; i++) {
        env.kubectl("create", "configmap", "burst-" + i, "-n", burstNs).assertSuccess();
      }
      until = System.nanoTime() + WAIT.toNanos();
      Map<String, String> server = Map.of();
      while (System.nanoTime() < until) {
        server = WatchesSurviveOutagesTest.serverState(env, burstNs);
        if (server.equals(view) && resyncs.get() >= 2) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(resyncs.get()).as("a relist after events were dropped").isGreaterThanOrEqualTo(2);
      assertThat(view).isEqualTo(server);
    }
    assertThat(
            catalogAgent
                .getBean(io.micrometer.core.instrument.MeterRegistry.class)
                .get("ankra.agent.watch.events.rate.limited")
                .counter()
                .count())
        .isPositive();
  }

  @Test
  void agentctlShowsSecretValuesOnlyWhenAskedAndEveryContainersLog(TestEnvironment env)
      throws Exception {
    env.kubectl("create", "secret", "generic", "ctl-db", "-n", ns, "--from-literal=pw=hunter2")
        .assertSuccess();
    Run redacted = agentctl(env, "get", "secret", "ctl-db", "-n", ns, "-o", "json");
    assertThat(redacted.exit()).as(redacted.err()).isZero();
    assertThat(JSON.readTree(redacted.out()).path("data").path("pw").asString())
        .startsWith("sha256:");
    assertThat(redacted.out()).doesNotContain("aHVudGVyMg");
    Run shown =
        agentctl(env, "get", "secret", "ctl-db", "-n", ns, "-o", "json", "--show-secret-values");
    assertThat(JSON.readTree(shown.out()).path("data").path("pw").asString())
        .isEqualTo("aHVudGVyMg==");

    String pod = "ctl-two";
    env.kubectl(
            "run",
            pod,
            "-n",
            ns,
            "--image=busybox",
            "--overrides",
            "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"busybox\"},"
                + "{\"name\":\"sidecar\",\"image\":\"busybox\"}]}}")
        .assertSuccess();
    env.kubectl("wait", "--for=condition=Ready", "pod/" + pod, "-n", ns, "--timeout=60s")
        .assertSuccess();
    env.appendPodLog(ns, pod, "hello");
    Run logs = agentctl(env, "logs", pod, "-n", ns, "--all-containers");
    assertThat(logs.exit()).as(logs.err()).isZero();
    assertThat(logs.out().lines()).containsExactlyInAnyOrder("[app] hello", "[sidecar] hello");
  }

  private static String name(JsonNode object) {
    return object.path("metadata").path("name").asString();
  }

  private static String version(JsonNode object) {
    return object.path("metadata").path("resourceVersion").asString();
  }

  record Run(int exit, String out, String err) {}

  private static Run agentctl(TestEnvironment env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        AgentCtl.run(
            Map.of(
                "NATS_URL", env.natsUrl(),
                "AGENT_CLUSTER_ID", "browse-catalog",
                "AGENTCTL_SIGNING_KEY_FILE", env.variables().get("AGENTCTL_SIGNING_KEY_FILE")),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new java.io.ByteArrayInputStream(new byte[0]),
            args);
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static JsonNode apiResources(PlatformClient client) throws InterruptedException {
    Reply reply = client.request("api.resources", null, WAIT);
    assertThat(reply.ok()).as(reply.text()).isTrue();
    return reply.json().path("resources");
  }

  /** Discovery follows the cluster within moments: poll until it shows what is expected. */
  private static void awaitApiResources(PlatformClient client, Predicate<JsonNode> expected)
      throws InterruptedException {
    long until = System.nanoTime() + WAIT.toNanos();
    while (!expected.test(apiResources(client))) {
      assertThat(System.nanoTime()).as("discovery caught up within 30 s").isLessThan(until);
      Thread.sleep(200);
    }
  }
}
