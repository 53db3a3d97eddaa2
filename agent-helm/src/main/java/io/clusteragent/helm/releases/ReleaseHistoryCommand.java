package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code helm.releases.history}: {@code helm history -o json} of one release, oldest revision
 * first.
 */
public final class ReleaseHistoryCommand implements CommandHandler {

  private final HelmBinary helm;
  private final HelmJson output;
  private final JsonMapper json;

  public ReleaseHistoryCommand(HelmBinary helm, JsonMapper json) {
    this.helm = helm;
    this.output = new HelmJson(json);
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.history";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.ReleaseRef ref = ReleasePayloads.releaseRef(payload);
    List<String> args =
        List.of("history", ref.release(), "--namespace=" + ref.namespace(), "--output=json");
    JsonNode history =
        output.array(
            helm.run(
                args,
                context.actor(),
                helm.timeoutFor(context.deadline()),
                context.cancellation()));
    return CommandResult.ok(
        json.createObjectNode()
            .put("namespace", ref.namespace())
            .put("release", ref.release())
            .set("history", history));
  }
}
