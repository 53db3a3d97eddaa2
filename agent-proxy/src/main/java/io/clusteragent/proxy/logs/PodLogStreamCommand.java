package io.clusteragent.proxy.logs;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.apiserver.BodyForwarder;
import io.kubernetes.client.openapi.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * {@code logs.stream}: a container's log, followed by default, forwarded chunk by chunk as it
 * arrives ({@link BodyForwarder}: the sink blocks while the platform grants no credit, so a slow
 * reader pauses the read from the API server instead of buffering the log in the agent).
 */
public final class PodLogStreamCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of("namespace", "pod", "container", "follow", "tailLines", "sinceSeconds", "timestamps");

  private final ApiServerGet apiServer;

  public PodLogStreamCommand(ApiServerGet apiServer) {
    this.apiServer = apiServer;
  }

  @Override
  public String type() {
    return "logs.stream";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.PROXY_STREAM;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    Payload fields = Payload.of(payload, FIELDS);
    String namespace = fields.requiredString("namespace", Names.DNS_LABEL, "namespace");
    String pod = fields.requiredString("pod", Names.DNS_SUBDOMAIN, "pod name");
    List<Pair> query = new ArrayList<>();
    fields
        .optionalString("container", Names.DNS_LABEL, "container name")
        .ifPresent(c -> query.add(new Pair("container", c)));
    query.add(new Pair("follow", Boolean.toString(fields.optionalBoolean("follow").orElse(true))));
    fields
        .optionalLong("tailLines", 0)
        .ifPresent(n -> query.add(new Pair("tailLines", Long.toString(n))));
    fields
        .optionalLong("sinceSeconds", 1)
        .ifPresent(n -> query.add(new Pair("sinceSeconds", Long.toString(n))));
    fields
        .optionalBoolean("timestamps")
        .ifPresent(t -> query.add(new Pair("timestamps", t.toString())));

    String path = "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/log";
    try (ApiServerGet.OpenResponse open =
        apiServer.open(path, query, "*/*", context.actor(), context.cancellation())) {
      return CommandResult.ok(summary(BodyForwarder.forward(open.body(), context)));
    }
  }

  private static JsonNode summary(long bytes) {
    return JsonNodeFactory.instance.objectNode().put("bytes", bytes);
  }
}
