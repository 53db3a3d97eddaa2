package io.clusteragent.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * agentctl as a kubectl for the platform: {@code api-resources}, {@code get} and {@code logs}, each
 * one or two protocol commands ({@code api.resources}, {@code resources.list}/{@code get}, {@code
 * logs.stream}) with output shaped like kubectl's.
 */
final class BrowseCommands {

  /** A whole list may take a while on a large cluster; each frame must still come promptly. */
  static final Duration LIST_DEADLINE = Duration.ofMinutes(10);

  private BrowseCommands() {}

  static ResourceTypes types(AgentCtl root, PlatformClient client) throws InterruptedException {
    return ResourceTypes.from(root.okJson(client.request("api.resources", null, root.timeout())));
  }

  /**
   * Which objects of a type a command means: {@code -n} or {@code -A}, and {@code -l}, as kubectl.
   */
  static final class Selection {
    @Option(
        names = {"-n", "--namespace"},
        paramLabel = "NS",
        description = "Namespace (default: default).")
    String namespace;

    @Option(
        names = {"-A", "--all-namespaces"},
        description = "Every namespace.")
    boolean allNamespaces;

    @Option(
        names = {"-l", "--selector"},
        paramLabel = "SELECTOR",
        description = "Label selector, e.g. app=web.")
    String selector;

    void check(CommandSpec spec) {
      if (allNamespaces && namespace != null) {
        throw new ParameterException(spec.commandLine(), "-n and -A exclude each other");
      }
    }

    /** The payload naming them: group, version, resource, namespace?, labelSelector?. */
    ObjectNode target(ResourceTypes.Type type) {
      ObjectNode target = WireJson.MAPPER.createObjectNode();
      target.put("group", type.group()).put("version", type.version());
      target.put("resource", type.resource());
      if (type.namespaced() && !allNamespaces) {
        target.put("namespace", namespace == null ? "default" : namespace);
      }
      if (selector != null) {
        target.put("labelSelector", selector);
      }
      return target;
    }
  }

  @Command(
      name = "api-resources",
      description = "Lists the resource types the agent lets the platform browse.")
  static final class ApiResources implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Override
    public Integer call() throws Exception {
      return root.withClient(client -> {
        TextTable table =
            new TextTable(List.of("name", "shortnames", "apiversion", "namespaced", "kind"));
        for (ResourceTypes.Type type : types(root, client).types()) {
          table.add(
              List.of(
                  type.resource(),
                  String.join(",", type.shortNames()),
                  type.apiVersion(),
                  Boolean.toString(type.namespaced()),
                  type.kind()));
        }
        table.print(root.out);
        return AgentCtl.EXIT_OK;
      });
    }
  }

  @Command(
      name = "get",
      description = {
        "Lists objects of one type, or shows one, as a table like kubectl get (the API server's",
        "own columns), or as json, yaml or names. Secret values are digests unless asked for."
      })
  static final class Get implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RESOURCE", description = "e.g. pods, deploy, cm.")
    String resource;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One object.")
    String name;

    @Mixin Selection selection;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        description = "wide, json, yaml or name (default: a table).")
    String output;

    @Option(
        names = "--show-secret-values",
        description = "Ask for Secret values (the acting identity's RBAC still decides).")
    boolean secretValues;

    @Override
    public Integer call() throws Exception {
      if (output != null && !List.of("wide", "json", "yaml", "name").contains(output)) {
        throw new ParameterException(
            spec.commandLine(), "--output must be wide, json, yaml or name, got " + output);
      }
      selection.check(spec);
      return root.withClient(client -> {
        ResourceTypes.Type type = types(root, client).resolve(resource);
        ObjectNode payload = selection.target(type);
        String ns = payload.path("namespace").asString(null);
        if (secretValues) {
          payload.put("secretValues", true);
        }
        boolean structured = "json".equals(output) || "yaml".equals(output);
        if (name != null && structured) {
          payload.put("name", name);
          print(root.okJson(client.request("resources.get", payload, root.timeout())));
          return AgentCtl.EXIT_OK;
        }
        if (name != null) {
          payload.put("fieldSelector", "metadata.name=" + name);
        }
        boolean table = output == null || "wide".equals(output);
        payload.put("table", table);
        // a failed list ends in AgentCtl.report like every other agent error
        ResourceList list = client.list(payload, LIST_DEADLINE, root.timeout().multipliedBy(3));
        if (list.items().isEmpty()) {
          if (name != null) {
            throw new CommandFailure(
                AgentCtl.EXIT_AGENT_ERROR,
                "NOT_FOUND: " + type.resource() + " \"" + name + "\" not found");
          }
          root.err.println(
              ns == null ? "No resources found" : "No resources found in " + ns + " namespace.");
          return AgentCtl.EXIT_OK;
        }
        if (table) {
          printTable(list, "wide".equals(output));
        } else if ("name".equals(output)) {
          for (JsonNode item : list.items()) {
            root.out.println(
                type.qualifiedKind() + "/" + item.path("metadata").path("name").asString());
          }
        } else {
          print(asKubectlList(list, type));
        }
        return AgentCtl.EXIT_OK;
      });
    }

    private void printTable(ResourceList list, boolean wide) {
      JsonNode columns = list.head().path("columnDefinitions");
      List<Integer> shown = new ArrayList<>();
      List<String> header = new ArrayList<>();
      if (selection.allNamespaces) {
        header.add("namespace");
      }
      for (int i = 0; i < columns.size(); i++) {
        if (wide || columns.get(i).path("priority").asInt() == 0) {
          shown.add(i);
          header.add(columns.get(i).path("name").asString());
        }
      }
      TextTable table = new TextTable(header);
      for (JsonNode row : list.items()) {
        List<String> cells = new ArrayList<>();
        if (selection.allNamespaces) {
          cells.add(row.path("object").path("metadata").path("namespace").asString(""));
        }
        for (int i : shown) {
          JsonNode cell = row.path("cells").path(i);
          cells.add(cell.isNull() || cell.isMissingNode() ? "<none>" : cell.asString());
        }
        table.add(cells);
      }
      table.print(root.out);
    }

    /** As kubectl prints a list: a v1 List whose items carry their apiVersion and kind. */
    private static JsonNode asKubectlList(ResourceList list, ResourceTypes.Type type) {
      ObjectNode result = WireJson.MAPPER.createObjectNode().put("apiVersion", "v1");
      var items = result.putArray("items");
      for (JsonNode item : list.items()) {
        ObjectNode typed =
            WireJson.MAPPER
                .createObjectNode()
                .put("apiVersion", type.apiVersion())
                .put("kind", type.kind());
        item.properties().forEach(e -> typed.set(e.getKey(), e.getValue()));
        items.add(typed);
      }
      result.put("kind", "List");
      result.putObject("metadata").put("resourceVersion", "");
      return result;
    }

    private void print(JsonNode document) {
      if ("yaml".equals(output)) {
        root.out.print(YAMLMapper.builder().build().writeValueAsString(document));
      } else {
        root.out.println(document.toPrettyString());
      }
    }
  }

  @Command(
      name = "watch",
      description = {
        "Prints every change to objects of one type as it happens, like kubectl get -w, and rides",
        "out NATS, agent and API server restarts: after a cut it resumes where it stood, and when",
        "that is no longer possible it lists again (a RESYNC line). Ctrl-C stops it."
      })
  static final class Watch implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RESOURCE", description = "e.g. pods, deploy, cm.")
    String resource;

    @Mixin Selection selection;

    @Option(
        names = "--for",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Override
    public Integer call() throws Exception {
      selection.check(spec);
      return root.withClient(client -> {
        ResourceTypes.Type type = types(root, client).resolve(resource);
        ObjectNode target = selection.target(type);
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        ResourceWatcher.Listener printer =
            new ResourceWatcher.Listener() {
              @Override
              public void resync(List<JsonNode> objects, String resourceVersion) {
                root.out.println(
                    "RESYNC    "
                        + objects.size()
                        + " object(s) at resourceVersion "
                        + resourceVersion);
                objects.forEach(o -> line("LISTED", o));
              }

              @Override
              public void event(String kind, JsonNode object) {
                line(kind, object);
              }

              private void line(String kind, JsonNode object) {
                JsonNode metadata = object.path("metadata");
                String ns = metadata.path("namespace").asString("");
                root.out.printf(
                    "%-9s %s%s/%s %s%n",
                    kind,
                    ns.isEmpty() ? "" : ns + " ",
                    type.qualifiedKind(),
                    metadata.path("name").asString(),
                    metadata.path("resourceVersion").asString());
                root.out.flush();
              }
            };
        try (ResourceWatcher watcher =
            new ResourceWatcher(
                    client, target, printer, Duration.ofMillis(500), Duration.ofSeconds(30))
                .start()) {
          Thread hook = new Thread(stopped::countDown);
          Runtime.getRuntime().addShutdownHook(hook);
          try {
            if (duration == null) {
              stopped.await();
            } else {
              stopped.await(duration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
          } finally {
            try {
              Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
              // the hook runs: we are stopping anyway
            }
          }
        }
        return AgentCtl.EXIT_OK;
      });
    }
  }

  @Command(
      name = "logs",
      description = "Prints a pod's log, following it with -f; Ctrl-C stops the stream.")
  static final class Logs implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Parameters(index = "0", paramLabel = "POD")
    String pod;

    @Option(
        names = {"-n", "--namespace"},
        paramLabel = "NS",
        description = "Namespace (default: default).")
    String namespace;

    @Option(
        names = {"-c", "--container"},
        paramLabel = "CONTAINER")
    String container;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing lines as they are written.")
    boolean follow;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
    Integer tail;

    @Option(names = "--timestamps", description = "Prefix each line with its time.")
    boolean timestamps;

    @Option(
        names = {"-p", "--previous"},
        description = "The log of the container's previous run.")
    boolean previous;

    @Option(names = "--limit-bytes", paramLabel = "N", description = "At most N bytes.")
    Long limitBytes;

    @Option(
        names = "--all-containers",
        description = "Every container's log, each line prefixed with [container].")
    boolean allContainers;

    @Override
    public Integer call() throws Exception {
      ObjectNode payload = WireJson.MAPPER.createObjectNode();
      payload.put("namespace", namespace == null ? "default" : namespace).put("pod", pod);
      if (container != null) {
        payload.put("container", container);
      }
      payload.put("follow", follow);
      if (tail != null) {
        payload.put("tailLines", tail);
      }
      if (timestamps) {
        payload.put("timestamps", true);
      }
      if (previous) {
        payload.put("previous", true);
      }
      if (limitBytes != null) {
        payload.put("limitBytes", limitBytes);
      }
      if (allContainers) {
        payload.put("allContainers", true);
      }
      AgentCtl.StreamCommand stream = new AgentCtl.StreamCommand();
      stream.root = root;
      stream.type = "logs.stream";
      stream.payload = payload.toString();
      stream.credit = 8;
      stream.deadline = Duration.ofHours(24);
      stream.idleTimeout = root.timeout().multipliedBy(3);
      stream.quiet = true;
      return stream.call();
    }
  }
}
