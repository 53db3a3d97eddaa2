package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.argocd.ArgoApplicationStatus;
import io.clusteragent.helm.argocd.ArgoApplications;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code stacks.status}: what the cluster records of one stack (or of all, without {@code name}):
 * its phase and each node's last outcome; for add-ons on the Argo CD engine also the sync and
 * health Argo CD reports on their Application.
 */
public final class StackStatusCommand implements CommandHandler {

  private final StackParser parser;
  private final StackState state;
  private final ArgoApplications argo;
  private final JsonMapper json;

  public StackStatusCommand(
      StackParser parser, StackState state, ArgoApplications argo, JsonMapper json) {
    this.parser = parser;
    this.state = state;
    this.argo = argo;
    this.json = json;
  }

  @Override
  public String type() {
    return "stacks.status";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    Optional<String> name =
        Payload.of(payload, Set.of("name")).optionalString("name", Names.DNS_LABEL, "stack name");
    if (name.isEmpty()) {
      ObjectNode reply = json.createObjectNode();
      ArrayNode stacks = reply.putArray("stacks");
      for (StackState.Stored stored : state.list()) {
        stacks.add(describe(stored));
      }
      return CommandResult.ok(reply);
    }
    StackState.Stored stored =
        state
            .read(name.get())
            .orElseThrow(
                () -> new CommandException(ErrorCode.NOT_FOUND, "no stack named " + name.get()));
    return CommandResult.ok(describe(stored));
  }

  private ObjectNode describe(StackState.Stored stored) throws CommandException {
    StackDefinition stack = parser.parse(stored.document());
    ObjectNode out =
        json.createObjectNode()
            .put("name", stored.name())
            .put("phase", stored.phase())
            .put("updatedAt", stored.updatedAt())
            .put("deployWave", stack.deployWave());
    ArrayNode nodes = out.putArray("nodes");
    for (StackNode node : stack.nodes()) {
      StackState.NodeState last =
          stored
              .node(node.ref())
              .orElse(
                  new StackState.NodeState(
                      node.ref().kind().documentName(), node.name(), "unknown", "", ""));
      ObjectNode item =
          nodes
              .addObject()
              .put("kind", last.kind())
              .put("name", last.name())
              .put("status", last.status())
              .put("message", last.message());
      if (node instanceof AddonDefinition addon) {
        item.put("engine", addon.engine().documentName());
        item.put("namespace", addon.namespace());
        item.put("chart", addon.chartName()).put("version", addon.chartVersion());
        if (addon.engine() == Engine.ARGO_CD) {
          try {
            ArgoApplicationStatus argoStatus = argo.status(stack.name(), addon.name());
            item.put("sync", argoStatus.syncStatus()).put("health", argoStatus.healthStatus());
            item.put("argo", argoStatus.summary());
          } catch (CommandException e) {
            item.put("argo", e.getMessage());
          }
        }
      }
    }
    return out;
  }
}
