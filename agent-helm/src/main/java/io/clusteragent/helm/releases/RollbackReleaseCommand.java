package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code helm.releases.rollback}: {@code helm rollback} to a revision (default: the previous one),
 * one write per release at a time. Replies with the revision the rollback created.
 */
public final class RollbackReleaseCommand implements CommandHandler {

  /**
   * Left for us after helm's own --timeout fires, so helm reports the failure rather than being
   * killed.
   */
  private static final Duration HELM_TIMEOUT_MARGIN = Duration.ofSeconds(5);

  private final HelmBinary helm;
  private final ReleaseLock locks;
  private final HelmJson output;
  private final JsonMapper json;

  public RollbackReleaseCommand(HelmBinary helm, ReleaseLock locks, JsonMapper json) {
    this.helm = helm;
    this.locks = locks;
    this.output = new HelmJson(json);
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.rollback";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.WRITE;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.Rollback request = ReleasePayloads.rollback(payload);
    ReleasePayloads.ReleaseRef ref = request.ref();
    try (ReleaseLock.Held held = locks.acquire(ref.namespace(), ref.release())) {
      Duration timeout = helm.timeoutFor(context.deadline());
      Duration helmTimeout = timeout.minus(HELM_TIMEOUT_MARGIN);
      if (helmTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
        helmTimeout = Duration.ofSeconds(1);
      }
      List<String> args = new ArrayList<>(List.of("rollback", ref.release()));
      request.revision().ifPresent(r -> args.add(Integer.toString(r)));
      args.add("--namespace=" + ref.namespace());
      args.add("--timeout=" + helmTimeout.toSeconds() + "s");
      if (request.waitForReady()) {
        args.add("--wait=watcher");
      }
      helm.run(args, context.actor(), timeout, context.cancellation());

      // Rollback prints no machine-readable result: read the revision it created.
      List<String> latest =
          List.of(
              "history",
              ref.release(),
              "--namespace=" + ref.namespace(),
              "--output=json",
              "--max=1");
      JsonNode history =
          output.array(
              helm.run(
                  latest,
                  context.actor(),
                  helm.timeoutFor(context.deadline()),
                  context.cancellation()));
      ObjectNode reply =
          json.createObjectNode().put("namespace", ref.namespace()).put("release", ref.release());
      if (request.revision().isPresent()) {
        reply.put("rolledBackTo", request.revision().get());
      } else {
        reply.putNull("rolledBackTo");
      }
      JsonNode last = history.isEmpty() ? null : history.get(history.size() - 1);
      if (last != null && last.has("revision")) {
        reply.set("revision", last.get("revision"));
      } else {
        reply.putNull("revision");
      }
      return CommandResult.ok(reply);
    }
  }
}
