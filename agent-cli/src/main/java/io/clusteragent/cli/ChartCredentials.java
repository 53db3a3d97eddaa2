package io.clusteragent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * A chart repository's or registry's credentials for the agent ({@code auth} in the payload): the
 * user on the command line, the password from a file or {@code $AGENTCTL_CHART_PASSWORD}, never
 * from the command line, where any process could read it.
 */
final class ChartCredentials {

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--username", paramLabel = "USER", description = "Repository/registry user.")
  String username;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "File holding the repository/registry password (or $AGENTCTL_CHART_PASSWORD).")
  Path passwordFile;

  /** Adds {@code auth} to {@code payload} when a user was given. */
  void addTo(ObjectNode payload, AgentCtl root) throws IOException {
    if (username == null) {
      return;
    }
    String password =
        passwordFile != null
            ? Files.readString(passwordFile).strip()
            : root.environment("AGENTCTL_CHART_PASSWORD");
    if (password == null || password.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "--username needs --password-file FILE or $AGENTCTL_CHART_PASSWORD");
    }
    payload.putObject("auth").put("username", username).put("password", password);
  }
}
