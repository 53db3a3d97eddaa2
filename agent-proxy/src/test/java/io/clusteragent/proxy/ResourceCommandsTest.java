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
    list = new ResourceListCommand(new ApiServerGet(clients::unaryClient));
    get = new ResourceGetCommand(new ApiServerGet(clients::unaryClient));
  }

  @Test
  void listReturnsTheApiServersJsonWithThePods() throws Exception {
    CommandResult result =
        run(
            list,
            Actor.AGENT,
            "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                + ns
                + "\"}");

    CommandResult.Raw raw = (CommandResult.Raw) result;
    assertThat(raw.contentType()).isEqualTo("application/json");
    JsonNode body = JSON.readTree(raw.body());
    assertThat(body.path("kind").asString()).isEqualTo("PodList");
    assertThat(
            body.path("items")
                .valueStream()
                .map(p -> p.path("metadata").path("name").asString())
                .toList())
        .containsExactlyInAnyOrderElementsOf(pods);
  }

  @Test
  void listPassesSelectorsAndLimitToTheApiServer() throws Exception {
    CommandResult.Raw page =
        (CommandResult.Raw)
            run(
                list,
                Actor.AGENT,
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                    + ns
                    + "\",\"labelSelector\":\"app=web\",\"limit\":1}");
    JsonNode body = JSON.readTree(page.body());
    assertThat(body.path("items").size()).isEqualTo(1);
    String next = body.path("metadata").path("continue").asString();
    assertThat(next).isNotEmpty();

    CommandResult.Raw rest =
        (CommandResult.Raw)
            run(
                list,
                Actor.AGENT,
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                    + ns
                    + "\",\"labelSelector\":\"app=web\",\"limit\":1,\"continue\":\""
                    + next
                    + "\"}");
    assertThat(JSON.readTree(rest.body()).path("items").size()).isEqualTo(1);

    CommandResult.Raw none =
        (CommandResult.Raw)
            run(
                list,
                Actor.AGENT,
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                    + ns
                    + "\",\"labelSelector\":\"app=nothing\"}");
    assertThat(JSON.readTree(none.body()).path("items").size()).isZero();
  }

  @Test
  void listsNamedGroupResourcesAndClusterScopedOnes() throws Exception {
    JsonNode deployments =
        JSON.readTree(
            ((CommandResult.Raw)
                    run(
                        list,
                        Actor.AGENT,
                        "{\"group\":\"apps\",\"version\":\"v1\",\"resource\":\"deployments\",\"namespace\":\""
                            + ns
                            + "\"}"))
                .body());
    assertThat(deployments.path("items").get(0).path("metadata").path("name").asString())
        .isEqualTo("web");

    JsonNode namespaces =
        JSON.readTree(
            ((CommandResult.Raw)
                    run(
                        list,
                        Actor.AGENT,
                        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"namespaces\"}"))
                .body());
    assertThat(
            namespaces
                .path("items")
                .valueStream()
                .map(n -> n.path("metadata").path("name").asString()))
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
            run(
                list,
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
    CommandResult.Raw raw =
        (CommandResult.Raw)
            run(
                list,
                admin,
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\""
                    + ns
                    + "\"}");
    assertThat(JSON.readTree(raw.body()).path("items").size()).isEqualTo(pods.size());
  }

  @Test
  void badPayloadsAreRejectedBeforeAnyRequest() {
    assertBadRequest(list, "[]", "JSON object");
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
