package io.clusteragent.helm.stacks;

import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.helm.StateNamespace;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the agent remembers of each stack, kept in the cluster so any replica and any restart can
 * answer {@code stacks.status} and delete what an earlier run applied: one labelled ConfigMap per
 * stack in the agent's namespace, holding the stack document as applied and each node's last
 * outcome and fingerprint (what makes a re-apply of an unchanged add-on a no-op).
 */
public final class StackState {

  static final String STACK_LABEL = "agent.ankra.io/stack";
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** One node's last outcome. {@code fingerprint} is empty unless it was applied. */
  public record NodeState(
      String kind, String name, String status, String message, String fingerprint) {}

  /**
   * @param phase {@code applying}, {@code applied}, {@code failed}, {@code deleting}, {@code
   *     delete-failed}
   */
  public record Stored(
      String name, String document, String phase, String updatedAt, List<NodeState> nodes) {

    public Optional<NodeState> node(NodeRef ref) {
      return nodes.stream()
          .filter(n -> n.kind().equals(ref.kind().documentName()) && n.name().equals(ref.name()))
          .findFirst();
    }
  }

  private final ApiClientSource clients;
  private final StateNamespace namespace;
  private final JsonMapper json;

  public StackState(ApiClientSource clients, StateNamespace namespace, JsonMapper json) {
    this.clients = clients;
    this.namespace = namespace;
    this.json = json;
  }

  public Optional<Stored> read(String stack) throws CommandException {
    try {
      return Optional.of(
          fromConfigMap(api().readNamespacedConfigMap(configMapName(stack), ns()).execute()));
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return Optional.empty();
      }
      throw failure("read the state of stack " + stack, e);
    }
  }

  public List<Stored> list() throws CommandException {
    try {
      List<Stored> stacks = new ArrayList<>();
      for (V1ConfigMap map :
          api().listNamespacedConfigMap(ns()).labelSelector(STACK_LABEL).execute().getItems()) {
        stacks.add(fromConfigMap(map));
      }
      return stacks;
    } catch (ApiException e) {
      throw failure("list stacks", e);
    }
  }

  /** Creates or replaces the stack's state. */
  public void write(Stored stack) throws CommandException {
    V1ConfigMap map =
        new V1ConfigMap()
            .metadata(
                new V1ObjectMeta()
                    .name(configMapName(stack.name()))
                    .namespace(ns())
                    .labels(Map.of(STACK_LABEL, stack.name(), MANAGED_BY, "ankra-agent")))
            .data(Map.of("stack.yaml", stack.document(), "status.json", statusJson(stack)));
    try {
      try {
        api().replaceNamespacedConfigMap(configMapName(stack.name()), ns(), map).execute();
      } catch (ApiException e) {
        if (e.getCode() != 404) {
          throw e;
        }
        api().createNamespacedConfigMap(ns(), map).execute();
      }
    } catch (ApiException e) {
      throw failure("save the state of stack " + stack.name(), e);
    }
  }

  public void delete(String stack) throws CommandException {
    try {
      api().deleteNamespacedConfigMap(configMapName(stack), ns()).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw failure("delete the state of stack " + stack, e);
      }
    }
  }

  static String now() {
    return Instant.now().toString();
  }

  private String statusJson(Stored stack) {
    ObjectNode status =
        json.createObjectNode()
            .put("name", stack.name())
            .put("phase", stack.phase())
            .put("updatedAt", stack.updatedAt());
    ArrayNode nodes = status.putArray("nodes");
    for (NodeState node : stack.nodes()) {
      nodes
          .addObject()
          .put("kind", node.kind())
          .put("name", node.name())
          .put("status", node.status())
          .put("message", node.message())
          .put("fingerprint", node.fingerprint());
    }
    return json.writeValueAsString(status);
  }

  private Stored fromConfigMap(V1ConfigMap map) throws CommandException {
    Map<String, String> data = map.getData() == null ? Map.of() : map.getData();
    JsonNode status = json.readTree(data.getOrDefault("status.json", "{}"));
    List<NodeState> nodes = new ArrayList<>();
    for (JsonNode node : status.path("nodes")) {
      nodes.add(
          new NodeState(
              node.path("kind").asString(""),
              node.path("name").asString(""),
              node.path("status").asString(""),
              node.path("message").asString(""),
              node.path("fingerprint").asString("")));
    }
    String name =
        map.getMetadata() != null && map.getMetadata().getLabels() != null
            ? map.getMetadata().getLabels().getOrDefault(STACK_LABEL, "")
            : "";
    return new Stored(
        name,
        data.getOrDefault("stack.yaml", ""),
        status.path("phase").asString("unknown"),
        status.path("updatedAt").asString(""),
        List.copyOf(nodes));
  }

  private static String configMapName(String stack) {
    return "stack-" + stack;
  }

  private String ns() {
    return namespace.name();
  }

  private CoreV1Api api() throws CommandException {
    try {
      return new CoreV1Api(clients.get());
    } catch (IOException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE, "no Kubernetes client: " + e.getMessage(), e);
    }
  }

  private CommandException failure(String what, ApiException e) {
    ErrorCode code =
        switch (e.getCode()) {
          case 403 -> ErrorCode.FORBIDDEN;
          case 404 -> ErrorCode.NOT_FOUND;
          case 409 -> ErrorCode.CONFLICT;
          case 400, 413, 422 -> ErrorCode.BAD_REQUEST;
          default -> ErrorCode.UPSTREAM_UNAVAILABLE;
        };
    String hint =
        e.getCode() == 404 ? " (does namespace " + ns() + " exist? POD_NAMESPACE names it)" : "";
    return new CommandException(
        code, "cannot " + what + ": API server answered " + e.getCode() + hint, e);
  }
}
