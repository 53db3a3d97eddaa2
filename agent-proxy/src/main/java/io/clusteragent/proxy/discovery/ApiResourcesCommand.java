package io.clusteragent.proxy.discovery;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.Payload;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code api.resources}: the resource types this agent lets the platform browse, each in the
 * version the cluster prefers. With dynamic discovery on that is everything the cluster serves
 * (CRDs included, as they come and go); with it off, the {@link BuiltInCatalog} types the cluster
 * serves.
 */
public final class ApiResourcesCommand implements CommandHandler {

  private final ApiDiscovery discovery;
  private final boolean dynamicDiscovery;
  private final JsonMapper json = JsonMapper.builder().build();

  public ApiResourcesCommand(ApiDiscovery discovery, boolean dynamicDiscovery) {
    this.discovery = discovery;
    this.dynamicDiscovery = dynamicDiscovery;
  }

  @Override
  public String type() {
    return "api.resources";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    Payload.of(payload, Set.of());
    List<ApiResource> served =
        discovery.resources(context.cancellation()).stream()
            .filter(r -> dynamicDiscovery || BuiltInCatalog.contains(r.group(), r.resource()))
            .toList();
    ObjectNode body = json.createObjectNode().put("dynamicDiscovery", dynamicDiscovery);
    body.set("resources", json.valueToTree(served));
    return CommandResult.ok(body);
  }
}
