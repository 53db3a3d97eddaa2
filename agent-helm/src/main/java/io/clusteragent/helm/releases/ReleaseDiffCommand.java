package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code helm.releases.diff}: what an upgrade (or install) with this chart and these values would
 * do, without doing it. helm renders with a server-side dry run (the API server validates and
 * defaults, nothing is stored); the reply is the rendered manifest and a per-object diff against
 * the deployed one. It changes nothing, so it runs as a read and takes no release lock.
 */
public final class ReleaseDiffCommand implements CommandHandler {

  private final HelmBinary helm;
  private final Path workRoot;
  private final HelmJson output;
  private final ChartArguments charts;
  private final JsonMapper json;

  public ReleaseDiffCommand(HelmBinary helm, Path workRoot, JsonMapper json) {
    this.helm = helm;
    this.workRoot = workRoot;
    this.output = new HelmJson(json);
    this.charts = new ChartArguments(helm, json);
    this.json = json;
  }

  @Override
  public String type() {
    return "helm.releases.diff";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    ReleasePayloads.ChartChange change = ReleasePayloads.chartChange(payload, true);
    ReleasePayloads.ReleaseRef ref = change.ref();
    String deployed = deployedManifest(context, ref);
    try (OperationFiles files = OperationFiles.create(workRoot)) {
      List<String> args = new ArrayList<>(List.of("upgrade", ref.release()));
      args.addAll(charts.prepare(change, files, context, null));
      args.add("--install");
      args.add("--dry-run=server");
      args.add("--namespace=" + ref.namespace());
      args.add("--output=json");
      if (change.values().isPresent()) {
        args.add(
            "--values="
                + files.write(
                    "values.yaml", change.values().get().getBytes(StandardCharsets.UTF_8)));
      }
      if (change.reuseValues()) {
        args.add("--reuse-values");
      }
      JsonNode release =
          output.object(
              helm.run(
                  args,
                  context.actor(),
                  helm.timeoutFor(context.deadline()),
                  context.cancellation()));
      String rendered = release.path("manifest").asString("");
      List<ManifestDiff.Change> changes = ManifestDiff.between(deployed, rendered, ref.namespace());
      return CommandResult.ok(reply(ref, deployed != null, rendered, changes));
    }
  }

  /** The deployed manifest, or null when there is no such release yet (an install). */
  private String deployedManifest(CommandContext context, ReleasePayloads.ReleaseRef ref)
      throws CommandException, InterruptedException {
    try {
      return helm.run(
              List.of("get", "manifest", ref.release(), "--namespace=" + ref.namespace()),
              context.actor(),
              helm.timeoutFor(context.deadline()),
              context.cancellation())
          .stdoutText();
    } catch (CommandException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private ObjectNode reply(
      ReleasePayloads.ReleaseRef ref,
      boolean exists,
      String rendered,
      List<ManifestDiff.Change> changes) {
    ObjectNode reply =
        json.createObjectNode()
            .put("namespace", ref.namespace())
            .put("release", ref.release())
            .put("installed", exists)
            .put("manifest", rendered);
    Map<ManifestDiff.Type, Integer> counts = new EnumMap<>(ManifestDiff.Type.class);
    ArrayNode list = reply.putArray("changes");
    for (ManifestDiff.Change change : changes) {
      counts.merge(change.type(), 1, Integer::sum);
      ObjectNode item =
          list.addObject()
              .put("kind", change.kind())
              .put("namespace", change.namespace())
              .put("name", change.name())
              .put("change", change.type().name().toLowerCase(java.util.Locale.ROOT));
      if (change.type() == ManifestDiff.Type.CHANGED) {
        change.paths().forEach(item.putArray("paths")::add);
        change.lines().forEach(item.putArray("diff")::add);
      }
    }
    ObjectNode summary = reply.putObject("summary");
    for (ManifestDiff.Type type : ManifestDiff.Type.values()) {
      summary.put(type.name().toLowerCase(java.util.Locale.ROOT), counts.getOrDefault(type, 0));
    }
    return reply;
  }
}
