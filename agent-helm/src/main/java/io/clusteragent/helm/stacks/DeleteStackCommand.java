package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * {@code stacks.delete}: removes what the stack, as last applied, put in the cluster, children
 * before their parents; the stack's state goes once every node is gone, and stays (phase {@code
 * delete-failed}) to retry from when one could not be removed.
 */
public final class DeleteStackCommand implements CommandHandler {

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private final StackEngine engine;

  public DeleteStackCommand(StackEngine engine) {
    this.engine = engine;
  }

  @Override
  public String type() {
    return "stacks.delete";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.WRITE;
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    String name =
        Payload.of(payload, Set.of("name")).requiredString("name", Names.DNS_LABEL, "stack name");
    StackState.Stored stored =
        engine
            .state()
            .read(name)
            .orElseThrow(() -> new CommandException(ErrorCode.NOT_FOUND, "no stack named " + name));
    StackDefinition stack = engine.parser().parse(stored.document());
    StackPlan plan = StackPlan.of(stack);
    try (ProgressFrames progress = new ProgressFrames(context.stream(), engine.json(), HEARTBEAT)) {
      AddonDeployment step = engine.deployment(context, java.util.Optional.of(stored), progress);
      Map<NodeRef, StackState.NodeState> nodes = new LinkedHashMap<>();
      for (StackNode node : plan.deleteOrder()) {
        nodes.put(
            node.ref(),
            stored
                .node(node.ref())
                .orElse(
                    new StackState.NodeState(
                        node.ref().kind().documentName(), node.name(), "unknown", "", "")));
      }
      StackRecord record = new StackRecord(engine.state(), name, stored.document(), nodes);
      record.save("deleting");
      StackRunResult result =
          new StackRunner(step, engine.maxParallel())
              .delete(
                  plan,
                  new StackRecord.Listener(record, progress, ref -> ""),
                  context.cancellation()::isCancelled);
      String phase = result.succeeded() ? "deleted" : "delete-failed";
      if (result.succeeded()) {
        engine.state().delete(name);
      } else {
        record.save(phase);
      }
      progress.phase("done", phase);
      return CommandResult.ok(StackRecord.report(engine.json(), name, phase, result));
    }
  }
}
