package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.StreamSink;
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.objects.ObjectFilter;
import io.clusteragent.proxy.resources.ResourceAccess;
import io.clusteragent.proxy.resources.ResourceGetCommand;
import io.clusteragent.proxy.resources.ResourceListCommand;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** resources.list / resources.get against the real API server, as the agent and as other users. */
@WithTestEnvironment
class ResourceCommandsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  static String ns;
  static List<String> pods;
  static ResourceListCommand list;
  static ResourceGetCommand get;

  @BeforeAll
  static void deploy(TestEnvironment env) throws Exception {
    ns = Workloads.uniqueNamespace(env, "res");
    pods = Workloads.deployAndAwaitPodNames(env, ns, "web", 2);
    KubernetesClients clients =
        new KubernetesClients(
            new CoreSettings.Kubernetes(false, 3, 64, 128), env.adminKubeconfig().toString());
    ResourceAccess access = new ResourceAccess(false, new ObjectFilter(true, true));
    list = new ResourceListCommand(new ApiServerGet(clients::streamingClient), access);
    get = new ResourceGetCommand(new ApiServerGet(clients::unaryClient), access);
  }

  @Test
  void listStreamsTheHeadThenOneObjectPerLine() throws Exception {
    Listed listed =
        list(
            Actor.AGENT,
            "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                + ns
                + "\"}");
    assertThat(listed.head().path("kind").asString()).isEqualTo("PodList");
    assertThat(listed.head().path("metadata").path("resourceVersion").asString()).isNotEmpty();
    assertThat(listed.items().stream().map(p -> p.path("metadata").path("name").asString()))
        .containsExactlyInAnyOrderElementsOf(pods);
    assertThat(listed.items())
        .allSatisfy(p -> assertThat(p.path("metadata").has("managedFields")).isFalse());
    assertThat(listed.summary().path("items").asLong()).isEqualTo(pods.size());
    assertThat(listed.summary().path("pages").asInt()).isEqualTo(1);
    assertThat(listed.summary().path("resourceVersion").asString())
        .isEqualTo(listed.head().path("metadata").path("resourceVersion").asString());
  }

  @Test
  void listPagesThroughTheWholeCollectionAndStopsAtItsLimit(TestEnvironment env) throws Exception {
    String pagedNs = Workloads.uniqueNamespace(env, "paged");
    for (int i = 0; i < 7; i++) {
      env.kubectl("create", "configmap", "cm-" + i, "-n", pagedNs).assertSuccess();
    }
    String configMaps =
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"configmaps\",\"namespace\":\""
            + pagedNs
            + "\"";
    // 7 ConfigMaps plus the namespace's kube-root-ca.crt, two per page
    Listed all = list(Actor.AGENT, configMaps + ",\"pageSize\":2}");
    assertThat(all.items()).hasSize(8);
    assertThat(all.items().stream().map(c -> c.path("metadata").path("name").asString()).distinct())
        .hasSize(8);
    assertThat(all.summary().path("pages").asInt()).isEqualTo(4);
    assertThat(all.summary().has("continue")).isFalse();
    assertThat(all.head().path("metadata").has("continue")).isFalse();

    Listed first = list(Actor.AGENT, configMaps + ",\"pageSize\":2,\"limit\":3}");
    assertThat(first.items()).hasSize(3);
    String next = first.summary().path("continue").asString();
    assertThat(next).isNotEmpty();
    Listed rest = list(Actor.AGENT, configMaps + ",\"pageSize\":10,\"continue\":\"" + next + "\"}");
    assertThat(rest.items()).hasSize(5);
    assertThat(
            java.util.stream.Stream.concat(first.items().stream(), rest.items().stream())
                .map(c -> c.path("metadata").path("name").asString()))
        .containsExactlyInAnyOrderElementsOf(
            all.items().stream().map(c -> c.path("metadata").path("name").asString()).toList());

    Listed none = list(Actor.AGENT, configMaps + ",\"labelSelector\":\"app=nothing\"}");
    assertThat(none.items()).isEmpty();
    assertThat(none.head().path("kind").asString()).isEqualTo("ConfigMapList");
  }

  @Test
  void aTableListHasTheServersColumnsAndOneRowPerObject() throws Exception {
    Listed table =
        list(
            Actor.AGENT,
            "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                + ns
                + "\",\"table\":true}");
    assertThat(table.head().path("kind").asString()).isEqualTo("Table");
    assertThat(
            table
                .head()
                .path("columnDefinitions")
                .valueStream()
                .map(c -> c.path("name").asString()))
        .contains("Name", "Ready", "Status", "Age");
    assertThat(table.items()).hasSize(pods.size());
    assertThat(table.items().getFirst().path("cells").get(0).asString()).isIn(pods);
    assertThat(
            table.items().getFirst().path("object").path("metadata").path("namespace").asString())
        .isEqualTo(ns);
  }

  @Test
  void secretValuesAreDigestsUnlessTheCommandAsksAndRbacAllows(TestEnvironment env)
      throws Exception {
    env.kubectl("create", "secret", "generic", "db", "-n", ns, "--from-literal=password=hunter2")
        .assertSuccess();
    String secrets =
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"secrets\",\"namespace\":\"" + ns + "\"";
    JsonNode listed =
        list(Actor.AGENT, secrets + "}").items().stream()
            .filter(s -> s.path("metadata").path("name").asString().equals("db"))
            .findFirst()
            .orElseThrow();
    assertThat(listed.path("data").path("password").asString()).startsWith("sha256:");
    JsonNode got =
        JSON.readTree(
            ((CommandResult.Raw) run(get, Actor.AGENT, secrets + ",\"name\":\"db\"}")).body());
    assertThat(got.path("data").path("password").asString())
        .isEqualTo(listed.path("data").path("password").asString());
    assertThat(got.toString()).doesNotContain("aHVudGVyMg");

    JsonNode revealed =
        JSON.readTree(
            ((CommandResult.Raw)
                    run(get, Actor.AGENT, secrets + ",\"name\":\"db\",\"secretValues\":true}"))
                .body());
    assertThat(revealed.path("data").path("password").asString()).isEqualTo("aHVudGVyMg==");

    // asking is not enough: the acting user's RBAC still decides
    assertThatThrownBy(() ->
            run(
                get,
                new Actor(env.nonAdminUser(), List.of()),
                secrets + ",\"name\":\"db\",\"secretValues\":true}"))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
  }

  @Test
  void listsNamedGroupResourcesAndClusterScopedOnes() throws Exception {
    Listed deployments =
        list(
            Actor.AGENT,
            "{\"group\":\"apps\",\"version\":\"v1\",\"resource\":\"deployments\",\"namespace\":\""
                + ns
                + "\"}");
    assertThat(deployments.items().getFirst().path("metadata").path("name").asString())
        .isEqualTo("web");

    Listed namespaces =
        list(Actor.AGENT, "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"namespaces\"}");
    assertThat(namespaces.items().stream().map(n -> n.path("metadata").path("name").asString()))
        .contains(ns);
  }

  @Test
  void getReturnsOneObjectAndNotFoundForAMissingOne() throws Exception {
    String pod = pods.getFirst();
    JsonNode body =
        JSON.readTree(
            ((CommandResult.Raw)
                    run(
                        get,
                        Actor.AGENT,
                        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                            + ns
                            + "\",\"name\":\""
                            + pod
                            + "\"}"))
                .body());
    assertThat(body.path("kind").asString()).isEqualTo("Pod");
    assertThat(body.path("metadata").path("name").asString()).isEqualTo(pod);

    assertThatThrownBy(() ->
            run(
                get,
                Actor.AGENT,
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                    + ns
                    + "\",\"name\":\"nope\"}"))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
              assertThat(e.getMessage()).contains("pods \"nope\" not found");
            });
  }

  @Test
  void aUserWithoutRbacIsForbiddenByTheApiServer(TestEnvironment env) {
    Actor user = new Actor(env.nonAdminUser(), List.of("team-a", "team-b"));
    assertThatThrownBy(() ->
            list(
                user,
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                    + ns
                    + "\"}"))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN);
              assertThat(e.getMessage())
                  .contains(env.nonAdminUser())
                  .contains("cannot list resource \"pods\"");
            });
  }

  @Test
  void impersonatedGroupsCountForRbac() throws Exception {
    // every impersonated group is sent: system:masters (the second one) grants the read
    Actor admin = new Actor("someone", List.of("team-a", "system:masters"));
    Listed listed =
        list(
            admin,
            "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                + ns
                + "\"}");
    assertThat(listed.items()).hasSize(pods.size());
  }

  @Test
  void badPayloadsAreRejectedBeforeAnyRequest() {
    assertBadRequest(list, "[]", "JSON object");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"pageSize\":10001}",
        "pageSize must be an integer from 1 to 10000");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"table\":\"yes\"}",
        "table must be true or false");
    assertBadRequest(
        get,
        "{\"group\":\"kwok.x-k8s.io\",\"version\":\"v1alpha1\",\"resource\":\"stages\",\"name\":\"x\"}",
        "stages.kwok.x-k8s.io is not in this agent's built-in catalog");
    assertBadRequest(list, "{\"version\":\"v1\",\"resource\":\"pods\"}", "group is required");
    assertBadRequest(list, "{\"group\":\"\",\"resource\":\"pods\"}", "version is required");
    assertBadRequest(list, "{\"group\":\"\",\"version\":\"v1\"}", "resource is required");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\"..\"}",
        "namespace '..'");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods/../../secrets\"}",
        "not a valid resource");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1?watch=1\",\"resource\":\"pods\"}",
        "not a valid API version");
    assertBadRequest(
        list,
        "{\"group\":\"a/b\",\"version\":\"v1\",\"resource\":\"pods\"}",
        "not a valid API group");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"limit\":0}",
        "limit must be an integer >= 1");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"limit\":\"5\"}",
        "limit must be an integer");
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"labelselector\":\"a=b\"}",
        "unknown payload field(s) [labelselector]");
    assertBadRequest(
        get,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\"" + ns + "\"}",
        "name is required");
    assertBadRequest(
        get,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
            + ns
            + "\",\"name\":\"..\"}",
        "not a valid object name");
    assertBadRequest(
        get,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
            + ns
            + "\",\"name\":\"a?b\"}",
        "not a valid object name");
  }

  @Test
  void anInvalidSelectorIsTheApiServersBadRequest() {
    assertBadRequest(
        list,
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
            + ns
            + "\",\"labelSelector\":\"a in (\"}",
        "API server answered 400");
  }

  private static void assertBadRequest(CommandHandler handler, String payload, String messagePart) {
    assertThatThrownBy(() -> run(handler, Actor.AGENT, payload))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> {
              assertThat(e.code()).as(payload).isEqualTo(ErrorCode.BAD_REQUEST);
              assertThat(e.getMessage()).as(payload).contains(messagePart);
            });
  }

  record Listed(JsonNode head, List<JsonNode> items, JsonNode summary) {}

  /** Runs resources.list to its end and splits its frames into the head line and the items. */
  static Listed list(Actor actor, String payload) throws Exception {
    QueueSink sink = new QueueSink(100_000);
    CommandResult result =
        list.handle(
            StreamingRuns.context("list", sink, actor, new Cancellation()),
            JSON.readTree(payload.getBytes(StandardCharsets.UTF_8)));
    List<JsonNode> lines = sink.drain().lines().map(line -> JSON.readTree(line)).toList();
    assertThat(lines).as("the head line comes first").isNotEmpty();
    return new Listed(
        lines.getFirst(), lines.subList(1, lines.size()), ((CommandResult.Ok) result).body());
  }

  static CommandResult run(CommandHandler handler, Actor actor, String payload) throws Exception {
    CommandContext context =
        new CommandContext(
            "test-" + System.nanoTime(),
            Instant.now().plusSeconds(60),
            actor,
            StreamSink.NONE,
            new Cancellation());
    return handler.handle(context, JSON.readTree(payload.getBytes(StandardCharsets.UTF_8)));
  }
}
