package io.clusteragent.helm.releases;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a {@link ChartSource} into the helm arguments that name the chart. Credentials go into
 * helm's own configuration files inside the operation's directory (a repositories file for chart
 * repositories, a registry config for OCI), so they are never on a command line, and helm never
 * sees the agent's own repository or registry configuration.
 */
final class ChartArguments {

  /** The one repository in an operation's repositories file. */
  private static final String REPOSITORY_NAME = "source";

  private final HelmBinary helm;
  private final JsonMapper json;

  ChartArguments(HelmBinary helm, JsonMapper json) {
    this.helm = helm;
    this.json = json;
  }

  /**
   * The chart reference followed by the flags it needs. For a chart repository this first fetches
   * its index (helm resolves names and versions from it).
   */
  List<String> prepare(
      ReleasePayloads.ChartChange change,
      OperationFiles files,
      CommandContext context,
      ProgressFrames progress)
      throws CommandException, InterruptedException {
    List<String> args = new ArrayList<>();
    switch (change.chart()) {
      case ChartSource.Oci oci -> {
        ObjectNode auths = json.createObjectNode();
        change
            .auth()
            .ifPresent(c ->
                auths.putObject(oci.host()).put("auth", base64(c.username() + ":" + c.password())));
        Path config =
            files.write("registry.json", bytes(json.createObjectNode().set("auths", auths)));
        args.add(oci.reference().toString());
        args.add("--registry-config=" + config);
      }
      case ChartSource.Repository repository -> {
        ObjectNode entry =
            json.createObjectNode()
                .put("name", REPOSITORY_NAME)
                .put("url", repository.repository().toString());
        change
            .auth()
            .ifPresent(c -> entry.put("username", c.username()).put("password", c.password()));
        ObjectNode file = json.createObjectNode().put("apiVersion", "");
        file.putArray("repositories").add(entry);
        // JSON is YAML: helm reads this file as its repositories.yaml.
        Path config = files.write("repositories.yaml", bytes(file));
        List<String> repoFlags =
            List.of(
                "--repository-config=" + config,
                "--repository-cache=" + files.dir().resolve("repository-cache"));
        if (progress != null) {
          progress.phase("fetching-index", repository.repository().toString());
        }
        List<String> update = new ArrayList<>(List.of("repo", "update", REPOSITORY_NAME));
        update.addAll(repoFlags);
        try {
          helm.run(update, null, timeout(context), context.cancellation());
        } catch (CommandException e) {
          if (e.code() == ErrorCode.CANCELLED || e.code() == ErrorCode.DEADLINE_EXCEEDED) {
            throw e;
          }
          throw new CommandException(
              ErrorCode.UPSTREAM_UNAVAILABLE,
              "chart repository "
                  + repository.repository()
                  + " cannot be read (unreachable, refused the credentials, or not a chart"
                  + " repository): "
                  + e.getMessage());
        }
        args.add(REPOSITORY_NAME + "/" + repository.name());
        args.addAll(repoFlags);
      }
      case ChartSource.Archive archive ->
          args.add(files.write("chart.tgz", archive.content()).toString());
      case ChartSource.Generated generated -> {
        for (Map.Entry<String, String> file : generated.files().entrySet()) {
          files.write("chart/" + file.getKey(), file.getValue().getBytes(StandardCharsets.UTF_8));
        }
        args.add(files.dir().resolve("chart").toString());
      }
    }
    change.version().ifPresent(v -> args.add("--version=" + v));
    return args;
  }

  private Duration timeout(CommandContext context) {
    return helm.timeoutFor(context.deadline());
  }

  private byte[] bytes(ObjectNode node) {
    return json.writeValueAsBytes(node);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
