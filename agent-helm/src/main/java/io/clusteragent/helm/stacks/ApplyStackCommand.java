package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.protocol.Payload;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * {@code stacks.apply}: installs or upgrades a stack's manifests and add-ons in dependency order
 * (independent ones in parallel, at most {@code write_worker_count} at once), stops scheduling at
 * the first failure, and reports every node. Streamed: a {@code node} event as each starts and
 * ends, then the report. The stack's state is saved in the cluster after every node, so a replica
 * or a restart can tell what was done.
 */
public final class ApplyStackCommand implements CommandHandler {

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private final StackEngine engine;

  public ApplyStackCommand(StackEngine engine) {
    this.engine = engine;
  }

  @Override
  public String type() {
    return "stacks.apply";
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
    String document = Payload.of(payload, Set.of("stack")).requiredString("stack");
    StackDefinition stack = engine.parser().parse(document);
    StackPlan plan = StackPlan.of(stack);
    Optional<StackState.Stored> previous = engine.state().read(stack.name());
    try (ProgressFrames progress = new ProgressFrames(context.stream(), engine.json(), HEARTBEAT)) {
      AddonDeployment step = engine.deployment(context, previous, progress);
      Map<NodeRef, StackState.NodeState> nodes = new LinkedHashMap<>();
      for (StackNode node : plan.installOrder()) {
        // until this run changes a node, what is deployed is what the last run left
        nodes.put(
            node.ref(),
            previous
                .flatMap(p -> p.node(node.ref()))
                .map(n ->
                    new StackState.NodeState(n.kind(), n.name(), "pending", "", n.fingerprint()))
                .orElse(
                    new StackState.NodeState(
                        node.ref().kind().documentName(), node.name(), "pending", "", "")));
      }
      StackRecord record = new StackRecord(engine.state(), stack.name(), document, nodes);
      record.save("applying");
      StackRunResult result =
          new StackRunner(step, engine.maxParallel())
              .install(
                  plan,
                  new StackRecord.Listener(record, progress, step::fingerprint),
                  context.cancellation()::isCancelled);
      String phase = result.succeeded() ? "applied" : result.cancelled() ? "cancelled" : "failed";
      record.save(phase);
      progress.phase("done", phase);
      return CommandResult.ok(StackRecord.report(engine.json(), stack.name(), phase, result));
    }
  }
}
