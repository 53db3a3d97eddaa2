package io.clusteragent.helm.drift;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.releases.ReleaseLock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code helm.releases.prune}: deletes the objects a release still owns in the cluster but whose
 * manifest no longer renders them, by UID, under the release's lock and the anti-mass-deletion
 * guard ({@link ReleasePrune}). {@code dryRun} reports what would go.
 */
public final class ReleasePruneCommand implements CommandHandler {

  private final ReleaseInspector inspector;
  private final HelmBinary helm;
  private final ReleaseLock locks;
  private final JsonMapper json;
  private final Counter pruned;
  private final Counter refused;

  public ReleasePruneCommand(
      ReleaseInspector inspector,
      HelmBinary helm,
      ReleaseLock locks,
      JsonMapper json,
      MeterRegistry meters) {
    this.inspector = inspector;
    this.helm = helm;
    this.locks = locks;
    this.json = json;
    NativeReleaseMeters counters = NativeReleaseMeters.of(meters);
    this.pruned = counters.pruned();
    this.refused = counters.pruneRefused();
  }

  @Override
  public String type() {
    return "helm.releases.prune";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.WRITE;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    DriftPayloads.Prune request = DriftPayloads.prune(payload);
    ReleasePrune.Result result;
    try (ReleaseLock.Held held = locks.acquire(request.namespace(), request.release())) {
      Optional<String> notDeployed = notDeployed(request, context);
      result =
          notDeployed.isPresent()
              ? ReleasePrune.refused(notDeployed.get())
              : ReleasePrune.run(
                  inspector.inspect(request.namespace(), request.release(), context),
                  request.dryRun());
    }
    if (result.refusal().isPresent()) {
      refused.increment();
    } else if (!request.dryRun()) {
      pruned.increment(result.pruned().size());
    }
    ObjectNode reply =
        json.createObjectNode()
            .put("namespace", request.namespace())
            .put("release", request.release())
            .put("dryRun", request.dryRun());
    ArrayNode deleted = reply.putArray("pruned");
    result.pruned().forEach(c -> deleted.add(describe(c)));
    if (!result.skipped().isEmpty()) {
      ArrayNode skipped = reply.putArray("skipped");
      result.skipped().forEach(s -> skipped.add(describe(s.candidate()).put("reason", s.reason())));
    }
    result.refusal().ifPresent(r -> reply.put("refused", r));
    return CommandResult.ok(reply);
  }

  /**
   * Why the release is not settled enough to prune. A failed or pending revision's manifest is not
   * what runs: objects only the last deployed revision renders are still the release's, and a
   * rollback would need them.
   */
  private Optional<String> notDeployed(DriftPayloads.Prune request, CommandContext context)
      throws Exception {
    String status;
    try {
      JsonNode release =
          json.readTree(
              helm.run(
                      List.of(
                          "status",
                          request.release(),
                          "--namespace=" + request.namespace(),
                          "--output=json"),
                      context.actor(),
                      helm.timeoutFor(context.deadline()),
                      context.cancellation())
                  .stdout());
      status = release.path("info").path("status").asString("");
    } catch (JacksonException e) {
      status = "";
    }
    return status.equals("deployed")
        ? Optional.empty()
        : Optional.of(
            "release "
                + request.namespace()
                + "/"
                + request.release()
                + " is "
                + (status.isEmpty() ? "in an unknown state" : status)
                + ", not deployed: prune only sweeps a settled release");
  }

  private ObjectNode describe(PruneCandidate candidate) {
    return json.createObjectNode()
        .put("api_version", candidate.resource().apiVersion())
        .put("kind", candidate.resource().kind())
        .put("namespace", candidate.namespace())
        .put("name", candidate.name())
        .put("uid", candidate.uid());
  }
}
