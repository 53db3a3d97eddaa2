package io.clusteragent.proxy.resources;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.kubernetes.client.openapi.Pair;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * {@code resources.list}: one page of a collection, namespaced or cluster-wide, as the API server's
 * own JSON bytes.
 */
public final class ResourceListCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of(
          "group",
          "version",
          "resource",
          "namespace",
          "labelSelector",
          "fieldSelector",
          "limit",
          "continue");

  private final ApiServerGet apiServer;

  public ResourceListCommand(ApiServerGet apiServer) {
    this.apiServer = apiServer;
  }

  @Override
  public String type() {
    return "resources.list";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    Payload fields = Payload.of(payload, FIELDS);
    ResourceTarget target = ResourceTarget.collection(fields);
    List<Pair> query = ResourceTarget.selectorQuery(fields);
    fields.optionalLong("limit", 1).ifPresent(n -> query.add(new Pair("limit", Long.toString(n))));
    fields.optionalString("continue").ifPresent(s -> query.add(new Pair("continue", s)));
    return new CommandResult.Raw(
        "application/json",
        apiServer.readJson(target.path(), query, context.actor(), context.cancellation()));
  }
}
