package io.clusteragent.cli;

import java.time.Duration;
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
 * {@code agentctl upgrade-agent VERSION}: the documented "Upgrade Agent" button. The agent upgrades
 * its own release to VERSION of its chart, its values reused.
 */
@Command(
    name = "upgrade-agent",
    description = "Upgrades the agent's own release to a chart version, reusing its values.")
final class UpgradeAgentCommand implements Callable<Integer> {

  @ParentCommand AgentCtl root;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "VERSION", description = "An exact chart version.")
  String version;

  @Option(names = "--allow-downgrade", description = "Go to an older version too.")
  boolean allowDowngrade;

  @Mixin ChartCredentials credentials;

  @Override
  public Integer call() throws Exception {
    ObjectNode payload = WireJson.MAPPER.createObjectNode().put("version", version);
    if (allowDowngrade) {
      payload.put("allowDowngrade", true);
    }
    credentials.addTo(payload, root);
    return root.withClient(client -> {
      try (PlatformStream stream =
          client.openStream("agent.upgrade", payload, 8, Duration.ofMinutes(10))) {
        StreamLines lines = new StreamLines(stream, root.timeout().multipliedBy(3));
        JsonNode event;
        while ((event = lines.next()) != null) {
          HelmCommands.showProgress(root, event);
        }
        JsonNode result = lines.summary();
        root.out.println(
            result.path("release").asString("")
                + ": "
                + result.path("message").asString("")
                + " ("
                + result.path("from").asString("")
                + " -> "
                + result.path("to").asString("")
                + ")");
        return AgentCtl.EXIT_OK;
      }
    });
  }
}
