package io.clusteragent.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code agentctl stack apply|status|delete}: add-on stacks through the agent. Apply and delete
 * show each manifest and add-on as it starts and ends, then a table of every node; they exit 2 when
 * a node failed.
 */
@Command(
    name = "stack",
    description = "Add-on stacks (the documented stack format), through the agent.",
    subcommands = {
      StackCommands.Apply.class,
      StackCommands.Status.class,
      StackCommands.Delete.class
    })
final class StackCommands {

  @ParentCommand AgentCtl root;

  /** Stacks wait for add-ons to become ready, one wave after another. */
  static final Duration DEADLINE = Duration.ofHours(1);

  @Command(name = "apply", description = "Installs or upgrades every node of the stack in FILE.")
  static final class Apply implements Callable<Integer> {
    @ParentCommand StackCommands stacks;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = WireJson.MAPPER.createObjectNode().put("stack", Files.readString(file));
      return stacks.run("stacks.apply", payload);
    }
  }

  @Command(name = "status", description = "What the cluster records of a stack (all without NAME).")
  static final class Status implements Callable<Integer> {
    @ParentCommand StackCommands stacks;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = WireJson.MAPPER.createObjectNode();
      if (name != null) {
        payload.put("name", name);
      }
      AgentCtl root = stacks.root;
      return root.withClient(client -> {
        JsonNode body = root.okJson(client.request("stacks.status", payload, root.timeout()));
        for (JsonNode stack : name == null ? body.path("stacks") : List.of(body)) {
          root.out.println(
              "STACK "
                  + stack.path("name").asString("")
                  + "  phase "
                  + stack.path("phase").asString("")
                  + "  updated "
                  + stack.path("updatedAt").asString(""));
          printNodes(root, stack.path("nodes"));
        }
        return AgentCtl.EXIT_OK;
      });
    }
  }

  @Command(
      name = "delete",
      description = "Removes what a stack put in the cluster, children first (FILE or NAME).")
  static final class Delete implements Callable<Integer> {
    @ParentCommand StackCommands stacks;

    @Parameters(index = "0", paramLabel = "FILE|NAME")
    String stack;

    @Override
    public Integer call() throws Exception {
      Path file = Path.of(stack);
      String name =
          Files.isRegularFile(file)
              ? new YAMLMapper().readTree(Files.readString(file)).path("name").asString("")
              : stack;
      return stacks.run("stacks.delete", WireJson.MAPPER.createObjectNode().put("name", name));
    }
  }

  int run(String type, ObjectNode payload) throws Exception {
    return root.withClient(client -> {
      try (PlatformStream stream = client.openStream(type, payload, 8, DEADLINE)) {
        StreamLines lines = new StreamLines(stream, root.timeout().multipliedBy(3));
        JsonNode event;
        while ((event = lines.next()) != null) {
          if (event.path("event").asString("").equals("node")) {
            root.err.println(
                "["
                    + event.path("elapsedSeconds").asLong()
                    + "s] "
                    + event.path("kind").asString("")
                    + " "
                    + event.path("name").asString("")
                    + ": "
                    + event.path("status").asString("")
                    + (event.has("message")
                        ? " (" + event.path("message").asString("") + ")"
                        : ""));
          } else {
            HelmCommands.showProgress(root, event);
          }
        }
        JsonNode report = lines.summary();
        root.out.println(
            "STACK "
                + report.path("stack").asString("")
                + "  "
                + report.path("phase").asString(""));
        printNodes(root, report.path("nodes"));
        return report.path("succeeded").asBoolean(false)
            ? AgentCtl.EXIT_OK
            : AgentCtl.EXIT_AGENT_ERROR;
      }
    });
  }

  static void printNodes(AgentCtl root, JsonNode nodes) {
    TextTable table = new TextTable(List.of("kind", "name", "status", "message"));
    for (JsonNode node : nodes) {
      table.add(
          List.of(
              node.path("kind").asString(""),
              node.path("name").asString(""),
              node.path("status").asString(""),
              node.path("message").asString("")));
    }
    table.print(root.out);
  }
}
