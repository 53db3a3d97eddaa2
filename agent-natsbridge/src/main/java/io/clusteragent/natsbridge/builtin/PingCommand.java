package io.clusteragent.natsbridge.builtin;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** {@code ping}: proves the whole path platform → NATS → agent → NATS → platform. */
public final class PingCommand implements CommandHandler {

  private final AgentIdentity identity;

  public PingCommand(AgentIdentity identity) {
    this.identity = identity;
  }

  public String type() {
    return "ping";
  }

  public JobClass jobClass() {
    return JobClass.READ;
  }

  public CommandResult handle(CommandContext context, JsonNode payload) {
    return CommandResult.ok(
        JsonNodeFactory.instance
            .objectNode()
            .put("pong", true)
            .put("instance", identity.instanceId()));
  }
}
