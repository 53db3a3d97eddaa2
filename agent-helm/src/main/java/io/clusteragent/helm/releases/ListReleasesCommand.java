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

/**
 * {@code helm.releases.list}: {@code helm list -o json} in one namespace or all. Asks for pending
 * and uninstalling releases too (helm shows only deployed and failed by default; v4 has no {@code
 * --all}) so stuck releases are visible, and lifts helm's 256 cap: the output limit bounds the size
 * instead.
 */
public final class ListReleasesCommand implements CommandHandler {

  private final HelmBinary helm;
  private final HelmJson output;
  private final JsonMapper json;

  public ListReleasesCommand(HelmBinary helm, JsonMapper json) {
    this.helm = helm;
    this.output = new HelmJson(json);
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.list";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.ListReleases request = ReleasePayloads.listReleases(payload);
    List<String> args =
        new ArrayList<>(
            List.of(
                "list",
                "--output=json",
                "--deployed",
                "--failed",
                "--pending",
                "--uninstalling",
                "--max=0"));
    request.filter().ifPresent(f -> args.add("--filter=" + f));
    if (request.namespace().isPresent()) {
      args.add("--namespace=" + request.namespace().get());
    } else {
      args.add("--all-namespaces");
    }
    JsonNode releases =
        output.array(
            helm.run(
                args,
                context.actor(),
                helm.timeoutFor(context.deadline()),
                context.cancellation()));
    return CommandResult.ok(json.createObjectNode().set("releases", releases));
  }
}
