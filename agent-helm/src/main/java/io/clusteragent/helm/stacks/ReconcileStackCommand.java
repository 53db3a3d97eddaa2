package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.drift.DriftResource;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code stacks.reconcile}: one reconcile of a stack's native add-ons now (the sweep does the same
 * for every applied stack): drift per object in the documented format, self-heal, prune.
 */
public final class ReconcileStackCommand implements CommandHandler {

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private final StackState state;
  private final StackReconciler reconciler;
  private final JsonMapper json;

  public ReconcileStackCommand(StackState state, StackReconciler reconciler, JsonMapper json) {
    this.state = state;
    this.reconciler = reconciler;
    this.json = json;
  }

  @Override
  public String type() {
    return "stacks.reconcile";
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
        state
            .read(name)
            .orElseThrow(() -> new CommandException(ErrorCode.NOT_FOUND, "no stack named " + name));
    try (ProgressFrames progress = new ProgressFrames(context.stream(), json, HEARTBEAT)) {
      List<StackReconciler.AddonReconcile> results =
          reconciler.reconcile(stored, context, progress);
      progress.phase("done", null);
      return CommandResult.ok(report(json, name, results));
    }
  }

  static ObjectNode report(
      JsonMapper json, String stack, List<StackReconciler.AddonReconcile> results) {
    ObjectNode report = json.createObjectNode().put("stack", stack);
    ArrayNode addons = report.putArray("addons");
    for (StackReconciler.AddonReconcile result : results) {
      ObjectNode item =
          addons
              .addObject()
              .put("name", result.addon())
              .put("namespace", result.namespace())
              .put("drifted", !result.drift().isEmpty())
              .put("selfHealed", result.selfHealed());
      ArrayNode drift = item.putArray("drift_resources");
      for (DriftResource d : result.drift()) {
        ObjectNode o =
            drift
                .addObject()
                .put("api_version", d.apiVersion())
                .put("kind", d.kind())
                .put("namespace", d.namespace())
                .put("name", d.name())
                .put("drift_type", d.driftType().wireName());
        d.paths().forEach(o.putArray("paths")::add);
      }
      result.pruned().forEach(item.putArray("pruned")::add);
      result.pruneRefused().ifPresent(r -> item.put("pruneRefused", r));
      result.error().ifPresent(e -> item.put("error", e));
    }
    return report;
  }
}
