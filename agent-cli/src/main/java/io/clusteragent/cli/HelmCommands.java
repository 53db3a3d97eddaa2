package io.clusteragent.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code agentctl helm ...}: Helm releases through the agent, with helm's own verbs. Writes that
 * take a while (install, upgrade) show the agent's progress on stderr as it comes and print the
 * resulting release on stdout.
 */
@Command(
    name = "helm",
    description = "Helm releases in the cluster, through the agent (as the agent's identity).",
    subcommands = {
      HelmCommands.ListReleases.class,
      HelmCommands.Status.class,
      HelmCommands.History.class,
      HelmCommands.Values.class,
      HelmCommands.Manifest.class,
      HelmCommands.Install.class,
      HelmCommands.Upgrade.class,
      HelmCommands.Diff.class,
      HelmCommands.Rollback.class,
      HelmCommands.Uninstall.class
    })
final class HelmCommands {

  @ParentCommand AgentCtl root;

  /** Writes may wait for workloads: the stream's life is bounded by the agent's helm timeout. */
  static final Duration WRITE_DEADLINE = Duration.ofMinutes(30);

  /** The release every verb names: {@code -n NS RELEASE}. */
  abstract static class OnRelease implements Callable<Integer> {
    @ParentCommand HelmCommands helm;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RELEASE")
    String release;

    @Option(
        names = {"-n", "--namespace"},
        paramLabel = "NS",
        description = "Namespace (default: default).")
    String namespace;

    AgentCtl root() {
      return helm.root;
    }

    ObjectNode payload() {
      return WireJson.MAPPER
          .createObjectNode()
          .put("namespace", namespace == null ? "default" : namespace)
          .put("release", release);
    }

    JsonNode request(String type, JsonNode payload, Duration timeout) throws Exception {
      JsonNode[] body = new JsonNode[1];
      root()
          .withClient(client -> {
            body[0] = root().okJson(client.request(type, payload, timeout));
            return AgentCtl.EXIT_OK;
          });
      return body[0];
    }

    void printJson(JsonNode node) {
      root().out.println(WireJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }
  }

  @Command(name = "list", description = "Releases in one namespace, or in all with -A.")
  static final class ListReleases implements Callable<Integer> {
    @ParentCommand HelmCommands helm;

    @Option(
        names = {"-n", "--namespace"},
        paramLabel = "NS")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"})
    boolean all;

    @Option(names = "--filter", paramLabel = "REGEX", description = "Release names matching it.")
    String filter;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = WireJson.MAPPER.createObjectNode();
      if (!all) {
        payload.put("namespace", namespace == null ? "default" : namespace);
      }
      if (filter != null) {
        payload.put("filter", filter);
      }
      return helm.root.withClient(client -> {
        JsonNode body =
            helm.root.okJson(client.request("helm.releases.list", payload, helm.root.timeout()));
        TextTable table =
            new TextTable(
                List.of(
                    "name", "namespace", "revision", "updated", "status", "chart", "app version"));
        for (JsonNode r : body.path("releases")) {
          table.add(
              List.of(
                  r.path("name").asString(""),
                  r.path("namespace").asString(""),
                  r.path("revision").asString(""),
                  r.path("updated").asString(""),
                  r.path("status").asString(""),
                  r.path("chart").asString(""),
                  r.path("app_version").asString("")));
        }
        table.print(helm.root.out);
        return AgentCtl.EXIT_OK;
      });
    }
  }

  @Command(name = "status", description = "A release's state.")
  static final class Status extends OnRelease {
    @Option(names = "--revision", paramLabel = "N")
    Integer revision;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = payload();
      if (revision != null) {
        payload.put("revision", revision);
      }
      JsonNode status = request("helm.releases.status", payload, root().timeout());
      printRelease(root(), status);
      return AgentCtl.EXIT_OK;
    }
  }

  @Command(name = "history", description = "A release's revisions.")
  static final class History extends OnRelease {
    @Override
    public Integer call() throws Exception {
      JsonNode body = request("helm.releases.history", payload(), root().timeout());
      TextTable table =
          new TextTable(
              List.of("revision", "updated", "status", "chart", "app version", "description"));
      for (JsonNode r : body.path("history")) {
        table.add(
            List.of(
                r.path("revision").asString(""),
                r.path("updated").asString(""),
                r.path("status").asString(""),
                r.path("chart").asString(""),
                r.path("app_version").asString(""),
                r.path("description").asString("")));
      }
      table.print(root().out);
      return AgentCtl.EXIT_OK;
    }
  }

  @Command(name = "values", description = "The values a release was installed with (JSON).")
  static final class Values extends OnRelease {
    @Option(
        names = {"-a", "--all"},
        description = "All computed values, chart defaults included.")
    boolean all;

    @Option(names = "--revision", paramLabel = "N")
    Integer revision;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = payload().put("part", "values");
      if (all) {
        payload.put("allValues", true);
      }
      if (revision != null) {
        payload.put("revision", revision);
      }
      printJson(request("helm.releases.get", payload, root().timeout()).path("values"));
      return AgentCtl.EXIT_OK;
    }
  }

  @Command(name = "manifest", description = "The manifest a release rendered.")
  static final class Manifest extends OnRelease {
    @Option(names = "--revision", paramLabel = "N")
    Integer revision;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = payload().put("part", "manifest");
      if (revision != null) {
        payload.put("revision", revision);
      }
      root()
          .out
          .print(
              request("helm.releases.get", payload, root().timeout()).path("content").asString(""));
      root().out.flush();
      return AgentCtl.EXIT_OK;
    }
  }

  /** What install, upgrade and diff take: a chart and how to apply it. */
  abstract static class WithChart extends OnRelease {
    @Parameters(
        index = "1",
        paramLabel = "CHART",
        description = {
          "oci://registry/path/chart, a chart name with --repo, or a local .tgz",
          "(uploaded to the agent)."
        })
    String chart;

    @Option(names = "--repo", paramLabel = "URL", description = "Chart repository URL.")
    String repository;

    @Option(names = "--version", paramLabel = "VERSION", description = "Chart version or range.")
    String version;

    @Option(
        names = {"-f", "--values"},
        paramLabel = "FILE",
        description = "Values YAML file.")
    Path values;

    @Mixin ChartCredentials credentials;

    ObjectNode chartPayload() throws Exception {
      ObjectNode payload = payload();
      Path local = Path.of(chart);
      if (!chart.contains("://") && chart.endsWith(".tgz") && Files.isRegularFile(local)) {
        payload.put("archive", Base64.getEncoder().encodeToString(Files.readAllBytes(local)));
      } else {
        payload.put("chart", chart);
      }
      if (repository != null) {
        payload.put("repository", repository);
      }
      if (version != null) {
        payload.put("version", version);
      }
      if (values != null) {
        payload.put("values", Files.readString(values));
      }
      credentials.addTo(payload, root());
      return payload;
    }
  }

  /** Install and upgrade: the write options, and a stream that shows progress. */
  abstract static class ChartWrite extends WithChart {
    @Option(names = "--create-namespace")
    boolean createNamespace;

    @Option(names = "--wait", description = "Wait until the release's workloads are ready.")
    boolean waitForReady;

    @Option(names = "--atomic", description = "Roll back (or uninstall) when the change fails.")
    boolean atomic;

    @Option(
        names = "--helm-timeout",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "helm's --timeout for the change, e.g. 5m (--timeout is agentctl's own).")
    Duration helmTimeout;

    ObjectNode writePayload() throws Exception {
      ObjectNode payload = chartPayload();
      if (createNamespace) {
        payload.put("createNamespace", true);
      }
      if (waitForReady) {
        payload.put("wait", true);
      }
      if (atomic) {
        payload.put("atomic", true);
      }
      if (helmTimeout != null) {
        payload.put("timeoutSeconds", Math.max(1, helmTimeout.toSeconds()));
      }
      return payload;
    }

    int stream(String type, ObjectNode payload) throws Exception {
      return root()
          .withClient(client -> {
            try (PlatformStream stream = client.openStream(type, payload, 8, WRITE_DEADLINE)) {
              StreamLines lines = new StreamLines(stream, root().timeout().multipliedBy(3));
              JsonNode event;
              while ((event = lines.next()) != null) {
                showProgress(root(), event);
              }
              printRelease(root(), lines.summary());
              return AgentCtl.EXIT_OK;
            }
          });
    }
  }

  @Command(name = "install", description = "Installs a chart as a new release.")
  static final class Install extends ChartWrite {
    @Override
    public Integer call() throws Exception {
      return stream("helm.releases.install", writePayload());
    }
  }

  @Command(name = "upgrade", description = "Upgrades a release to a chart version and values.")
  static final class Upgrade extends ChartWrite {
    @Option(
        names = {"-i", "--install"},
        description = "Install when the release does not exist.")
    boolean install;

    @Option(names = "--reuse-values", description = "Start from the release's current values.")
    boolean reuseValues;

    @Option(names = "--history-max", paramLabel = "N", description = "Revisions to keep.")
    Integer historyMax;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = writePayload();
      if (install) {
        payload.put("install", true);
      }
      if (reuseValues) {
        payload.put("reuseValues", true);
      }
      if (historyMax != null) {
        payload.put("historyMax", historyMax);
      }
      return stream("helm.releases.upgrade", payload);
    }
  }

  @Command(
      name = "diff",
      description = "What an upgrade with this chart and values would change (nothing is applied).")
  static final class Diff extends WithChart {
    @Option(names = "--reuse-values")
    boolean reuseValues;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = chartPayload();
      if (reuseValues) {
        payload.put("reuseValues", true);
      }
      JsonNode diff = request("helm.releases.diff", payload, root().timeout().multipliedBy(6));
      for (JsonNode change : diff.path("changes")) {
        String kind = change.path("change").asString("");
        if (kind.equals("unchanged")) {
          continue;
        }
        root()
            .out
            .println(
                kind
                    + " "
                    + change.path("kind").asString("")
                    + " "
                    + change.path("namespace").asString("")
                    + "/"
                    + change.path("name").asString(""));
        for (JsonNode line : change.path("diff")) {
          root().out.println("    " + line.asString(""));
        }
      }
      JsonNode s = diff.path("summary");
      root()
          .out
          .printf(
              "%d added, %d changed, %d removed, %d unchanged%n",
              s.path("added").asInt(),
              s.path("changed").asInt(),
              s.path("removed").asInt(),
              s.path("unchanged").asInt());
      return AgentCtl.EXIT_OK;
    }
  }

  @Command(
      name = "rollback",
      description = "Rolls a release back (default: the previous revision).")
  static final class Rollback extends OnRelease {
    @Parameters(index = "1", arity = "0..1", paramLabel = "REVISION")
    Integer revision;

    @Option(names = "--wait")
    boolean waitForReady;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = payload();
      if (revision != null) {
        payload.put("revision", revision);
      }
      if (waitForReady) {
        payload.put("wait", true);
      }
      JsonNode body = request("helm.releases.rollback", payload, WRITE_DEADLINE);
      root()
          .out
          .println(
              "Rollback was a success: "
                  + release
                  + " is at revision "
                  + body.path("revision").asString("?"));
      return AgentCtl.EXIT_OK;
    }
  }

  @Command(name = "uninstall", description = "Removes a release and its objects.")
  static final class Uninstall extends OnRelease {
    @Option(names = "--keep-history")
    boolean keepHistory;

    @Option(names = "--wait")
    boolean waitForReady;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = payload();
      if (keepHistory) {
        payload.put("keepHistory", true);
      }
      if (waitForReady) {
        payload.put("wait", true);
      }
      request("helm.releases.uninstall", payload, WRITE_DEADLINE);
      root().out.println("release \"" + release + "\" uninstalled");
      return AgentCtl.EXIT_OK;
    }
  }

  /** One progress event on stderr: {@code [12s] upgrading}, {@code [13s] helm: ...}. */
  static void showProgress(AgentCtl root, JsonNode event) {
    String prefix = "[" + event.path("elapsedSeconds").asLong() + "s] ";
    String dropped =
        event.has("droppedBefore")
            ? " (" + event.path("droppedBefore").asLong() + " progress events dropped)"
            : "";
    switch (event.path("event").asString("")) {
      case "phase" ->
          root.err.println(
              prefix
                  + event.path("phase").asString("")
                  + (event.has("detail") ? " " + event.path("detail").asString("") : "")
                  + dropped);
      case "log" -> root.err.println(prefix + "helm: " + event.path("line").asString("") + dropped);
      case "waiting" -> root.err.println(prefix + "still working" + dropped);
      default -> root.err.println(prefix + event);
    }
  }

  static void printRelease(AgentCtl root, JsonNode release) {
    root.out.println("NAME: " + release.path("release").asString(""));
    root.out.println("NAMESPACE: " + release.path("namespace").asString(""));
    root.out.println("STATUS: " + release.path("status").asString("").toLowerCase(Locale.ROOT));
    root.out.println("REVISION: " + release.path("revision").asString(""));
    root.out.println(
        "CHART: "
            + release.path("chart").asString("")
            + "-"
            + release.path("chartVersion").asString(""));
    String notes = release.path("notes").asString("");
    if (!notes.isBlank()) {
      root.out.println("NOTES:");
      root.out.println(notes.strip());
    }
  }
}
