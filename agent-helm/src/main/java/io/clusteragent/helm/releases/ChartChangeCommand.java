package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmOutput;
import io.clusteragent.protocol.CommandException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /** Left after helm's own --timeout, so helm reports (and rolls back) rather than being killed. */
  static final Duration HELM_TIMEOUT_MARGIN = Duration.ofSeconds(5);

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private final Kind kind;
  private final HelmBinary helm;
  private final ReleaseLock locks;
  private final Path workRoot;
  private final HelmJson output;
  private final ChartArguments charts;
  private final JsonMapper json;

  /**
   * @param workRoot where each operation gets its private directory for values and credentials
   */
  public ChartChangeCommand(
      Kind kind, HelmBinary helm, ReleaseLock locks, Path workRoot, JsonMapper json) {
    this.kind = kind;
    this.helm = helm;
    this.locks = locks;
    this.workRoot = workRoot;
    this.output = new HelmJson(json);
    this.charts = new ChartArguments(helm, json);
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
    ReleasePayloads.ReleaseRef ref = change.ref();
    try (ReleaseLock.Held held = locks.acquire(ref.namespace(), ref.release());
        OperationFiles files = OperationFiles.create(workRoot);
        ProgressFrames progress = new ProgressFrames(context.stream(), json, HEARTBEAT)) {
      progress.phase("preparing", null);
      List<String> args = new ArrayList<>();
      args.add(kind == Kind.INSTALL ? "install" : "upgrade");
      args.add(ref.release());
      args.addAll(charts.prepare(change, files, context, progress));
      args.addAll(applyFlags(change, files, helmTimeout(context, change)));
      progress.phase(kind == Kind.INSTALL ? "installing" : "upgrading", null);
      HelmOutput out =
          helm.run(
              args,
              context.actor(),
              helm.timeoutFor(context.deadline()),
              context.cancellation(),
              progress::log);
      JsonNode release = output.object(out);
      progress.phase("done", null);
      return CommandResult.ok(ReleaseSummary.of(json, release));
    }
  }

  private List<String> applyFlags(
      ReleasePayloads.ChartChange change, OperationFiles files, Duration helmTimeout)
      throws CommandException {
    List<String> args = new ArrayList<>();
    args.add("--namespace=" + change.ref().namespace());
    args.add("--output=json");
    args.add("--timeout=" + helmTimeout.toSeconds() + "s");
    if (change.values().isPresent()) {
      args.add(
          "--values="
              + files.write("values.yaml", change.values().get().getBytes(StandardCharsets.UTF_8)));
    }
    if (change.createNamespace()) {
      args.add("--create-namespace");
    }
    if (change.atomic()) {
      args.add("--rollback-on-failure");
    }
    if (change.waitForReady() || change.atomic()) {
      args.add("--wait=watcher");
    }
    if (kind == Kind.UPGRADE) {
      if (change.install()) {
        args.add("--install");
      }
      if (change.reuseValues()) {
        args.add("--reuse-values");
      }
      change.historyMax().ifPresent(n -> args.add("--history-max=" + n));
    }
    return args;
  }

  /** The request's timeout, within what the command's deadline and the agent's limit leave. */
  private Duration helmTimeout(CommandContext context, ReleasePayloads.ChartChange change) {
    Duration left = helm.timeoutFor(context.deadline()).minus(HELM_TIMEOUT_MARGIN);
    Duration wanted = change.timeout().orElse(left);
    Duration chosen = wanted.compareTo(left) < 0 ? wanted : left;
    return chosen.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : chosen;
  }
}
