package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code helm.releases.status}: a release's state (or one revision's), as {@link ReleaseSummary}.
 */
public final class ReleaseStatusCommand implements CommandHandler {

  private final HelmBinary helm;
  private final HelmJson output;
  private final JsonMapper json;

  public ReleaseStatusCommand(HelmBinary helm, JsonMapper json) {
    this.helm = helm;
    this.output = new HelmJson(json);
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.status";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.Status request = ReleasePayloads.status(payload);
    List<String> args =
        new ArrayList<>(
            List.of(
                "status",
                request.ref().release(),
                "--namespace=" + request.ref().namespace(),
                "--output=json"));
    request.revision().ifPresent(r -> args.add("--revision=" + r));
    JsonNode release =
        output.object(
            helm.run(
                args,
                context.actor(),
                helm.timeoutFor(context.deadline()),
                context.cancellation()));
    // helm status leaves the chart out of its JSON; the release's metadata has it
    List<String> metadataArgs =
        new ArrayList<>(
            List.of(
                "get",
                "metadata",
                request.ref().release(),
                "--namespace=" + request.ref().namespace(),
                "--output=json"));
    request.revision().ifPresent(r -> metadataArgs.add("--revision=" + r));
    JsonNode metadata =
        output.object(
            helm.run(
                metadataArgs,
                context.actor(),
                helm.timeoutFor(context.deadline()),
                context.cancellation()));
    ObjectNode summary = ReleaseSummary.of(json, release);
    summary.put("chart", metadata.path("chart").asString(""));
    summary.put("chartVersion", metadata.path("version").asString(""));
    summary.put("appVersion", metadata.path("appVersion").asString(""));
    return CommandResult.ok(summary);
  }
}
