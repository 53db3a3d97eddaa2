package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one way a release is changed: under the release's lock, with the operation's private files,
 * helm's arguments built from a checked request. The release commands and the stack engine both
 * write through it, so a stack's add-on gets the same safety as a single install.
 */
public final class ReleaseWriter {

  /** Left after helm's own --timeout, so helm reports (and rolls back) rather than being killed. */
  static final Duration HELM_TIMEOUT_MARGIN = Duration.ofSeconds(5);

  /**
   * An add-on as the stack engine applies it: {@code upgrade --install}, waiting for readiness.
   *
   * @param registryUrl an https:// chart repository or an oci:// registry path
   * @param generatedChart files of a chart the agent made itself (a stack's plain manifests), empty
   *     for a chart from {@code registryUrl}
   * @param forceConflicts take back fields another field manager changed (self-heal: {@code kubectl
   *     scale} owns {@code /spec/replicas} until then), helm's {@code --force-conflicts}
   */
  public record AddonRelease(
      String namespace,
      String release,
      String registryUrl,
      String chartName,
      String version,
      String values,
      int historyMax,
      Map<String, String> generatedChart,
      boolean forceConflicts) {}

  private final MeterRegistry meters;
  private final HelmBinary helm;
  private final ReleaseLock locks;
  private final Path workRoot;
  private final HelmJson output;
  private final ChartArguments charts;
  private final JsonMapper json;

  public ReleaseWriter(
      HelmBinary helm, ReleaseLock locks, Path workRoot, JsonMapper json, MeterRegistry meters) {
    this.meters = meters;
    this.helm = helm;
    this.locks = locks;
    this.workRoot = workRoot;
    this.output = new HelmJson(json);
    this.charts = new ChartArguments(helm, json);
    this.json = json;
  }

  /** Install or upgrade as asked; returns helm's release JSON. */
  JsonNode apply(
      boolean upgrade,
      ReleasePayloads.ChartChange change,
      CommandContext context,
      ProgressFrames progress)
      throws CommandException, InterruptedException {
    return apply(upgrade, change, false, context, progress);
  }

  private JsonNode apply(
      boolean upgrade,
      ReleasePayloads.ChartChange change,
      boolean forceConflicts,
      CommandContext context,
      ProgressFrames progress)
      throws CommandException, InterruptedException {
    ReleasePayloads.ReleaseRef ref = change.ref();
    try (ReleaseLock.Held held = locks.acquire(ref.namespace(), ref.release());
        OperationFiles files = OperationFiles.create(workRoot)) {
      if (progress != null) {
        progress.phase("preparing", null);
      }
      List<String> args = new ArrayList<>();
      args.add(upgrade ? "upgrade" : "install");
      args.add(ref.release());
      args.addAll(charts.prepare(change, files, context, progress));
      args.addAll(applyFlags(upgrade, change, files, helmTimeout(context, change.timeout())));
      if (forceConflicts) {
        args.add("--force-conflicts");
      }
      if (progress != null) {
        progress.phase(upgrade ? "upgrading" : "installing", null);
      }
      long started = System.nanoTime();
      String outcome = "failure";
      try {
        JsonNode release =
            output.object(
                helm.run(
                    args,
                    context.actor(),
                    helm.timeoutFor(context.deadline()),
                    context.cancellation(),
                    progress == null ? null : progress::log));
        outcome = "success";
        return release;
      } finally {
        // the documented agent's ankra_native_release_apply_duration_seconds
        Timer.builder("ankra.native.release.apply.duration")
            .description("helm install/upgrade runs of the native engine")
            .tag("operation", upgrade ? "upgrade" : "install")
            .tag("outcome", outcome)
            .register(meters)
            .record(Duration.ofNanos(System.nanoTime() - started));
      }
    }
  }

  /** {@code helm upgrade --install} of a stack's add-on; returns {@link ReleaseSummary}. */
  public JsonNode apply(AddonRelease addon, CommandContext context, ProgressFrames progress)
      throws CommandException, InterruptedException {
    ChartSource source;
    if (!addon.generatedChart().isEmpty()) {
      source = new ChartSource.Generated(addon.generatedChart());
    } else if (addon.registryUrl().toLowerCase(java.util.Locale.ROOT).startsWith("oci://")) {
      String base = addon.registryUrl().replaceAll("/+$", "");
      source =
          ChartSource.of(
              Optional.of(base + "/" + addon.chartName()), Optional.empty(), Optional.empty());
    } else {
      source =
          ChartSource.of(
              Optional.of(addon.chartName()), Optional.of(addon.registryUrl()), Optional.empty());
    }
    if (!addon.values().isBlank()) {
      YamlDocuments.checkValues(addon.values());
    }
    ReleasePayloads.ChartChange change =
        new ReleasePayloads.ChartChange(
            new ReleasePayloads.ReleaseRef(addon.namespace(), addon.release()),
            source,
            Optional.ofNullable(addon.version()).filter(v -> !v.isBlank()),
            Optional.of(addon.values()).filter(v -> !v.isBlank()),
            Optional.empty(),
            true,
            true,
            Optional.empty(),
            false,
            OptionalInt.of(addon.historyMax()),
            true,
            false);
    return ReleaseSummary.of(json, apply(true, change, addon.forceConflicts(), context, progress));
  }

  /**
   * {@code helm upgrade --reuse-values} of an existing release to {@code version} of the chart at
   * {@code ociChart} (the agent's own release, as the documented "Upgrade Agent" does); returns
   * {@link ReleaseSummary}.
   *
   * @param username with {@code password}, the registry's credentials; null for none
   */
  public JsonNode upgradeReusingValues(
      String namespace,
      String release,
      String ociChart,
      String version,
      String username,
      String password,
      CommandContext context,
      ProgressFrames progress)
      throws CommandException, InterruptedException {
    ReleasePayloads.ChartChange change =
        new ReleasePayloads.ChartChange(
            new ReleasePayloads.ReleaseRef(namespace, release),
            ChartSource.of(Optional.of(ociChart), Optional.empty(), Optional.empty()),
            Optional.of(version),
            Optional.empty(),
            username == null
                ? Optional.empty()
                : Optional.of(new ReleasePayloads.Credentials(username, password)),
            false,
            false,
            Optional.empty(),
            false,
            OptionalInt.empty(),
            false,
            true);
    return ReleaseSummary.of(json, apply(true, change, context, progress));
  }

  /** {@code helm get metadata} (chart, version, appVersion, revision, status), or empty. */
  public Optional<JsonNode> metadata(String namespace, String release, CommandContext context)
      throws CommandException, InterruptedException {
    try {
      return Optional.of(
          output.object(
              helm.run(
                  List.of("get", "metadata", release, "--namespace=" + namespace, "--output=json"),
                  context.actor(),
                  helm.timeoutFor(context.deadline()),
                  context.cancellation())));
    } catch (CommandException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The release as helm reports it, or empty when there is none. */
  public Optional<JsonNode> status(String namespace, String release, CommandContext context)
      throws CommandException, InterruptedException {
    try {
      return Optional.of(
          output.object(
              helm.run(
                  List.of("status", release, "--namespace=" + namespace, "--output=json"),
                  context.actor(),
                  helm.timeoutFor(context.deadline()),
                  context.cancellation())));
    } catch (CommandException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** {@code helm uninstall} under the release's lock. */
  void uninstall(ReleasePayloads.Uninstall request, CommandContext context)
      throws CommandException, InterruptedException {
    ReleasePayloads.ReleaseRef ref = request.ref();
    try (ReleaseLock.Held held = locks.acquire(ref.namespace(), ref.release())) {
      List<String> args = new ArrayList<>(List.of("uninstall", ref.release()));
      args.add("--namespace=" + ref.namespace());
      args.add("--timeout=" + helmTimeout(context, request.timeout()).toSeconds() + "s");
      if (request.keepHistory()) {
        args.add("--keep-history");
      }
      if (request.waitForReady()) {
        args.add("--wait=watcher");
      }
      helm.run(args, context.actor(), helm.timeoutFor(context.deadline()), context.cancellation());
    }
  }

  /** Uninstalls a stack's add-on; one that is already gone is fine. */
  public void uninstall(String namespace, String release, CommandContext context)
      throws CommandException, InterruptedException {
    try {
      uninstall(
          new ReleasePayloads.Uninstall(
              new ReleasePayloads.ReleaseRef(namespace, release), false, true, Optional.empty()),
          context);
    } catch (CommandException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
    }
  }

  private static List<String> applyFlags(
      boolean upgrade, ReleasePayloads.ChartChange change, OperationFiles files, Duration timeout)
      throws CommandException {
    List<String> args = new ArrayList<>();
    args.add("--namespace=" + change.ref().namespace());
    args.add("--output=json");
    args.add("--timeout=" + timeout.toSeconds() + "s");
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
    if (upgrade) {
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
  private Duration helmTimeout(CommandContext context, Optional<Duration> requested) {
    Duration left = helm.timeoutFor(context.deadline()).minus(HELM_TIMEOUT_MARGIN);
    Duration wanted = requested.orElse(left);
    Duration chosen = wanted.compareTo(left) < 0 ? wanted : left;
    return chosen.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : chosen;
  }
}
