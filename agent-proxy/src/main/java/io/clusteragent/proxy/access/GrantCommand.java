package io.clusteragent.proxy.access;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.Payload;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code access.grants.apply}, {@code access.grants.revoke} and {@code access.grants.list}: the
 * platform's access grants kept on the cluster as RBAC bindings (see {@link Grant}). Apply and
 * revoke answer with the grant's status ({@code applied}, {@code revoked}) or an error naming why
 * it failed; list reads the grants back from the cluster.
 */
public final class GrantCommand implements CommandHandler {

  private enum Operation {
    APPLY,
    REVOKE,
    LIST
  }

  private final Operation operation;
  private final GrantBindings bindings;

  private GrantCommand(Operation operation, ApiClientSource clients) {
    this.operation = operation;
    this.bindings = new GrantBindings(clients);
  }

  public static GrantCommand apply(ApiClientSource clients) {
    return new GrantCommand(Operation.APPLY, clients);
  }

  public static GrantCommand revoke(ApiClientSource clients) {
    return new GrantCommand(Operation.REVOKE, clients);
  }

  public static GrantCommand list(ApiClientSource clients) {
    return new GrantCommand(Operation.LIST, clients);
  }

  @Override
  public String type() {
    return "access.grants." + operation.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public JobClass jobClass() {
    return operation == Operation.LIST ? JobClass.READ : JobClass.WRITE;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws CommandException {
    return switch (operation) {
      case APPLY -> {
        Grant grant = Grant.from(payload);
        String binding = bindings.apply(grant);
        yield CommandResult.ok(describe(grant).put("status", "applied").put("binding", binding));
      }
      case REVOKE -> {
        Grant grant = Grant.from(payload);
        boolean removed = bindings.revoke(grant);
        yield CommandResult.ok(describe(grant).put("status", "revoked").put("wasPresent", removed));
      }
      case LIST -> {
        Payload.of(payload, Set.of());
        ArrayNode grants = JsonNodeFactory.instance.arrayNode();
        bindings.list().forEach(grant -> grants.add(describe(grant)));
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("grants", grants);
        yield CommandResult.ok(body);
      }
    };
  }

  private static ObjectNode describe(Grant grant) {
    ObjectNode node =
        JsonNodeFactory.instance
            .objectNode()
            .put("user", grant.user())
            .put("role", grant.role())
            .put("scope", grant.clusterWide() ? "cluster" : "namespace");
    if (!grant.clusterWide()) {
      node.put("namespace", grant.namespace());
    }
    return node;
  }
}
