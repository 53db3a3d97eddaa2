package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code helm.releases.get}: one part of a release as helm stores it, {@code values} (as JSON; all
 * computed values with {@code allValues}), {@code manifest}, {@code notes} or {@code hooks} (as
 * text). The manifest holds Secrets as rendered, so this runs as the platform user and the API
 * server's RBAC on the release Secret decides who may read it.
 */
public final class ReleaseContentCommand implements CommandHandler {

  private final HelmBinary helm;
  private final JsonMapper json;

  public ReleaseContentCommand(HelmBinary helm, JsonMapper json) {
    this.helm = helm;
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.get";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.Content request = ReleasePayloads.content(payload);
    String part = request.part().name().toLowerCase(Locale.ROOT);
    List<String> args =
        new ArrayList<>(
            List.of(
                "get", part, request.ref().release(), "--namespace=" + request.ref().namespace()));
    request.revision().ifPresent(r -> args.add("--revision=" + r));
    if (request.part() == ReleasePayloads.Part.VALUES) {
      args.add("--output=json");
      if (request.allValues()) {
        args.add("--all");
      }
    }
    HelmOutput out =
        helm.run(
            args, context.actor(), helm.timeoutFor(context.deadline()), context.cancellation());
    ObjectNode reply =
        json.createObjectNode()
            .put("namespace", request.ref().namespace())
            .put("release", request.ref().release())
            .put("part", part);
    if (request.part() == ReleasePayloads.Part.VALUES) {
      JsonNode values = json.readTree(out.stdout());
      reply.set("values", values == null || values.isNull() ? json.createObjectNode() : values);
    } else {
      reply.put("content", out.stdoutText());
    }
    return CommandResult.ok(reply);
  }
}
