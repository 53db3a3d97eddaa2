package io.clusteragent.proxy.resources;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.apiserver.BodyForwarder;
import io.kubernetes.client.openapi.Pair;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * {@code resources.watch}: a collection's watch, forwarded as the API server's own event bytes (one
 * JSON {@code {"type","object"}} per line; ADDED, MODIFIED, DELETED, BOOKMARK and ERROR alike) as
 * they arrive. Only a watch whose very first event is a 410 ERROR (the resourceVersion is too old)
 * becomes a command error instead, so the platform knows to relist before any data.
 */
public final class ResourceWatchCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of(
          "group",
          "version",
          "resource",
          "namespace",
          "labelSelector",
          "fieldSelector",
          "resourceVersion",
          "timeoutSeconds");

  /** Resource versions are opaque, but in practice digits; no more is needed for a query value. */
  private static final Names.Rule RESOURCE_VERSION =
      new Names.Rule(
          Pattern.compile("[A-Za-z0-9._-]{1,64}"),
          "letters, digits, '.', '_' and '-', at most 64 characters");

  private static final byte[] ERROR_PREFIX = "{\"type\":\"ERROR\"".getBytes(StandardCharsets.UTF_8);
  private static final int MAX_ERROR_EVENT_BYTES = 64 * 1024;

  private final ApiServerGet apiServer;
  private final boolean enabled;
  private final JsonMapper json = JsonMapper.builder().build();

  /**
   * @param enabled {@code k8s_watch.enabled}: when false every watch is refused
   */
  public ResourceWatchCommand(ApiServerGet apiServer, boolean enabled) {
    this.apiServer = apiServer;
    this.enabled = enabled;
  }

  @Override
  public String type() {
    return "resources.watch";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.PROXY_STREAM;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    if (!enabled) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "watch is disabled on this agent (k8s_watch.enabled=false)");
    }
    Payload fields = Payload.of(payload, FIELDS);
    ResourceTarget target = ResourceTarget.collection(fields);
    List<Pair> query = ResourceTarget.selectorQuery(fields);
    query.add(new Pair("watch", "1"));
    query.add(new Pair("allowWatchBookmarks", "true"));
    fields
        .optionalString("resourceVersion", RESOURCE_VERSION, "resourceVersion")
        .ifPresent(rv -> query.add(new Pair("resourceVersion", rv)));
    fields
        .optionalLong("timeoutSeconds", 1)
        .ifPresent(n -> query.add(new Pair("timeoutSeconds", Long.toString(n))));

    try (ApiServerGet.OpenResponse open =
        apiServer.open(
            target.path(), query, "application/json", context.actor(), context.cancellation())) {
      BufferedInputStream body = new BufferedInputStream(open.body(), MAX_ERROR_EVENT_BYTES + 1);
      try {
        failIfExpiredAtStart(body);
      } catch (IOException e) {
        throw ApiServerGet.readFailure(e, context.cancellation());
      }
      return CommandResult.ok(
          JsonNodeFactory.instance.objectNode().put("bytes", BodyForwarder.forward(body, context)));
    }
  }

  /**
   * A too-old resourceVersion is answered with 200 and a first ERROR event carrying a 410 Status
   * (the HTTP 410 case is mapped by {@link ApiServerGet}). Peeks at the first event only when it is
   * an ERROR; every other stream is left untouched for {@link BodyForwarder}.
   */
  private void failIfExpiredAtStart(BufferedInputStream body) throws IOException, CommandException {
    body.mark(MAX_ERROR_EVENT_BYTES);
    byte[] head = body.readNBytes(ERROR_PREFIX.length);
    if (!Arrays.equals(head, ERROR_PREFIX)) {
      body.reset();
      return;
    }
    byte[] line = Arrays.copyOf(head, MAX_ERROR_EVENT_BYTES);
    int length = head.length;
    int next;
    while (length < MAX_ERROR_EVENT_BYTES && (next = body.read()) >= 0 && next != '\n') {
      line[length++] = (byte) next;
    }
    body.reset();
    JsonNode status;
    try {
      status = json.readTree(new String(line, 0, length, StandardCharsets.UTF_8)).path("object");
    } catch (RuntimeException notJson) {
      return;
    }
    if (status.path("code").asInt() == 410) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          ApiServerGet.EXPIRED
              + " (API server: "
              + status.path("message").asString("expired")
              + ")");
    }
  }
}
