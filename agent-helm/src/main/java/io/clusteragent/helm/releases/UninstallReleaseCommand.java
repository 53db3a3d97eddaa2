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

/**
 * {@code helm.releases.uninstall}: removes a release's objects and (unless {@code keepHistory}) its
 * history, under the write bulkhead and the release's lock.
 */
public final class UninstallReleaseCommand implements CommandHandler {

  private final HelmBinary helm;
  private final ReleaseLock locks;
  private final JsonMapper json;

  public UninstallReleaseCommand(HelmBinary helm, ReleaseLock locks, JsonMapper json) {
    this.helm = helm;
    this.locks = locks;
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.uninstall";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.WRITE;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.Uninstall request = ReleasePayloads.uninstall(payload);
    ReleasePayloads.ReleaseRef ref = request.ref();
    try (ReleaseLock.Held held = locks.acquire(ref.namespace(), ref.release())) {
      Duration timeout = helm.timeoutFor(context.deadline());
      Duration left = timeout.minus(ChartChangeCommand.HELM_TIMEOUT_MARGIN);
      Duration helmTimeout = request.timeout().filter(t -> t.compareTo(left) < 0).orElse(left);
      List<String> args = new ArrayList<>(List.of("uninstall", ref.release()));
      args.add("--namespace=" + ref.namespace());
      args.add("--timeout=" + Math.max(helmTimeout.toSeconds(), 1) + "s");
      if (request.keepHistory()) {
        args.add("--keep-history");
      }
      if (request.waitForReady()) {
        args.add("--wait=watcher");
      }
      helm.run(args, context.actor(), timeout, context.cancellation());
      return CommandResult.ok(
          json.createObjectNode()
              .put("namespace", ref.namespace())
              .put("release", ref.release())
              .put("uninstalled", true)
              .put("historyKept", request.keepHistory()));
    }
  }
}
