package io.clusteragent.proxy.resources;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** {@code resources.get}: one object by name, as the API server's own JSON bytes. */
public final class ResourceGetCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of("group", "version", "resource", "namespace", "name");

  private final ApiServerGet apiServer;

  public ResourceGetCommand(ApiServerGet apiServer) {
    this.apiServer = apiServer;
  }

  @Override
  public String type() {
    return "resources.get";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    ResourceTarget target = ResourceTarget.object(Payload.of(payload, FIELDS));
    return new CommandResult.Raw(
        "application/json",
        apiServer.readJson(target.path(), List.of(), context.actor(), context.cancellation()));
  }
}
