package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code helm.releases.uninstall}: removes a release's objects and (unless {@code keepHistory}) its
 * history, under the write bulkhead and the release's lock.
 */
public final class UninstallReleaseCommand implements CommandHandler {

  private final ReleaseWriter writer;
  private final JsonMapper json;

  public UninstallReleaseCommand(ReleaseWriter writer, JsonMapper json) {
    this.writer = writer;
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
    writer.uninstall(request, context);
    return CommandResult.ok(
        json.createObjectNode()
            .put("namespace", request.ref().namespace())
            .put("release", request.ref().release())
            .put("uninstalled", true)
            .put("historyKept", request.keepHistory()));
  }
}
