package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code helm.releases.install} and {@code helm.releases.upgrade}: a chart from an OCI registry, a
 * chart repository or an uploaded archive, with values, applied under the write bulkhead and the
 * release's lock. Answered as a stream: progress events while helm works (it can wait minutes for
 * workloads), then the release helm reports as the result.
 */
public final class ChartChangeCommand implements CommandHandler {

  /** The two writes that apply a chart. */
  public enum Kind {
    INSTALL("helm.releases.install"),
    UPGRADE("helm.releases.upgrade");

    private final String type;

    Kind(String type) {
      this.type = type;
    }
  }

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private final Kind kind;
  private final ReleaseWriter writer;
  private final JsonMapper json;

  public ChartChangeCommand(Kind kind, ReleaseWriter writer, JsonMapper json) {
    this.kind = kind;
    this.writer = writer;
    this.json = json;
  }

  @Override
  public String type() {
    return kind.type;
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
    ReleasePayloads.ChartChange change = ReleasePayloads.chartChange(payload, kind == Kind.UPGRADE);
    try (ProgressFrames progress = new ProgressFrames(context.stream(), json, HEARTBEAT)) {
      JsonNode release = writer.apply(kind == Kind.UPGRADE, change, context, progress);
      progress.phase("done", null);
      return CommandResult.ok(ReleaseSummary.of(json, release));
    }
  }
}
