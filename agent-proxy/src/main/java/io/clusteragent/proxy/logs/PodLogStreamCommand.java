package io.clusteragent.proxy.logs;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.apiserver.BodyForwarder;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code logs.stream}: a container's log, followed by default, forwarded chunk by chunk as it
 * arrives ({@link BodyForwarder}: the sink blocks while the platform grants no credit, so a slow
 * reader pauses the read from the API server instead of buffering the log in the agent).
 *
 * <p>A followed log ends when the container ends it; the agent also watches the pod meanwhile and
 * ends the stream when the pod is deleted, since a node that is gone may never close the log. The
 * end frame says why the log ended: {@code "end of log"} (not followed), {@code "limit reached"},
 * {@code "container exited"} with its exit code, {@code "pod deleted"}, or {@code "log ended"}.
 */
public final class PodLogStreamCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of(
          "namespace",
          "pod",
          "container",
          "follow",
          "tailLines",
          "sinceSeconds",
          "sinceTime",
          "limitBytes",
          "previous",
          "timestamps",
          "allContainers");

  private static final JsonMapper JSON = JsonMapper.builder().build();

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
      throws CommandException, InterruptedException, StreamClosedException {
    Payload fields = Payload.of(payload, FIELDS);
    String namespace = fields.requiredString("namespace", Names.DNS_LABEL, "namespace");
    String pod = fields.requiredString("pod", Names.DNS_SUBDOMAIN, "pod name");
    Optional<String> container =
        fields.optionalString("container", Names.DNS_LABEL, "container name");
    boolean follow = fields.optionalBoolean("follow").orElse(true);
    List<Pair> query = new ArrayList<>();
    container.ifPresent(c -> query.add(new Pair("container", c)));
    query.add(new Pair("follow", Boolean.toString(follow)));
    fields
        .optionalLong("tailLines", 0)
        .ifPresent(n -> query.add(new Pair("tailLines", Long.toString(n))));
    Optional<String> sinceTime = fields.optionalString("sinceTime");
    if (sinceTime.isPresent() && fields.optionalLong("sinceSeconds", 1).isPresent()) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "sinceSeconds and sinceTime exclude each other");
    }
    fields
        .optionalLong("sinceSeconds", 1)
        .ifPresent(n -> query.add(new Pair("sinceSeconds", Long.toString(n))));
    if (sinceTime.isPresent()) {
      query.add(new Pair("sinceTime", rfc3339(sinceTime.get())));
    }
    long limitBytes = fields.optionalLong("limitBytes", 1).orElse(0);
    if (limitBytes > 0) {
      query.add(new Pair("limitBytes", Long.toString(limitBytes)));
    }
    fields
        .optionalBoolean("previous")
        .ifPresent(p -> query.add(new Pair("previous", p.toString())));
    fields
        .optionalBoolean("timestamps")
        .ifPresent(t -> query.add(new Pair("timestamps", t.toString())));

    String podPath = "/api/v1/namespaces/" + namespace + "/pods/" + pod;
    if (fields.optionalBoolean("allContainers").orElse(false)) {
      if (container.isPresent()) {
        throw new CommandException(
            ErrorCode.BAD_REQUEST, "container and allContainers exclude each other");
      }
      long sent = AllContainerLogs.forward(apiServer, podPath, query, context);
      return CommandResult.ok(
          JsonNodeFactory.instance
              .objectNode()
              .put("bytes", sent)
              .put("reason", follow ? "log ended" : "end of log"));
    }
    long bytes;
    PodDeletion deletion;
    try (ApiServerGet.OpenResponse open =
        apiServer.open(podPath + "/log", query, "*/*", context.actor(), context.cancellation())) {
      deletion =
          follow ? PodDeletion.watch(apiServer, namespace, pod, context.actor(), open) : null;
      try {
        bytes = BodyForwarder.forward(open.body(), context);
      } catch (CommandException cut) {
        if (deletion == null || !deletion.happened()) {
          throw cut;
        }
        // closing the response for the deletion is what cut the read
        bytes = -1;
      } finally {
        if (deletion != null) {
          deletion.stop();
        }
      }
    }
    ObjectNode summary = JsonNodeFactory.instance.objectNode();
    if (bytes >= 0) {
      summary.put("bytes", bytes);
    }
    if (!follow) {
      summary.put("reason", "end of log");
    } else if (deletion.happened()) {
      summary.put("reason", "pod deleted");
    } else if (limitBytes > 0 && bytes >= limitBytes) {
      summary.put("reason", "limit reached");
    } else {
      endedBy(podPath, container, context, summary);
    }
    return CommandResult.ok(summary);
  }

  /** Why a followed log ended by itself: the pod is gone, or its container has terminated. */
  private void endedBy(
      String podPath, Optional<String> container, CommandContext context, ObjectNode summary)
      throws InterruptedException {
    JsonNode status;
    try (ApiServerGet.OpenResponse open =
        apiServer.open(
            podPath, List.of(), "application/json", context.actor(), context.cancellation())) {
      status = JSON.readTree(open.body()).path("status");
    } catch (CommandException e) {
      summary.put("reason", e.code() == ErrorCode.NOT_FOUND ? "pod deleted" : "log ended");
      return;
    } catch (JacksonException e) {
      summary.put("reason", "log ended");
      return;
    }
    for (JsonNode state : status.path("containerStatuses")) {
      boolean named = container.map(c -> c.equals(state.path("name").asString())).orElse(true);
      JsonNode terminated = state.path("state").path("terminated");
      if (named && terminated.isObject()) {
        summary
            .put("reason", "container exited")
            .put("exitCode", terminated.path("exitCode").asInt());
        return;
      }
    }
    summary.put("reason", "log ended");
  }

  private static String rfc3339(String value) throws CommandException {
    try {
      return OffsetDateTime.parse(value).toInstant().toString();
    } catch (DateTimeParseException e) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "sinceTime must be an RFC 3339 time such as 2026-01-31T12:00:00Z, got '" + value + "'");
    }
  }

  /**
   * Watches one pod while its log is followed and closes the log's response when the pod is
   * deleted: a kubelet (or a node) that is gone may never end the log by itself.
   */
  private static final class PodDeletion {
    /** An event's type comes first in its line; the rest of the pod is not needed. */
    private static final int HEAD_CHARS = 64;

    private final Cancellation cancellation = new Cancellation();
    private volatile boolean happened;
    private volatile ApiServerGet.OpenResponse watch;
    private Thread thread;

    static PodDeletion watch(
        ApiServerGet apiServer,
        String namespace,
        String pod,
        Actor actor,
        ApiServerGet.OpenResponse log) {
      PodDeletion deletion = new PodDeletion();
      deletion.thread =
          Thread.ofVirtual()
              .name("pod-deletion-" + pod)
              .start(() -> deletion.run(apiServer, namespace, pod, actor, log));
      return deletion;
    }

    private void run(
        ApiServerGet apiServer,
        String namespace,
        String pod,
        Actor actor,
        ApiServerGet.OpenResponse log) {
      List<Pair> query =
          List.of(new Pair("fieldSelector", "metadata.name=" + pod), new Pair("watch", "1"));
      try (ApiServerGet.OpenResponse open =
          apiServer.open(
              "/api/v1/namespaces/" + namespace + "/pods",
              query,
              "application/json",
              actor,
              cancellation)) {
        watch = open;
        if (cancellation.isCancelled()) {
          return;
        }
        InputStream events = open.body();
        StringBuilder head = new StringBuilder();
        int next;
        while ((next = events.read()) >= 0) {
          if (next != '\n') {
            if (head.length() < HEAD_CHARS) {
              head.append((char) next);
            }
            continue;
          }
          if (head.indexOf("\"type\":\"DELETED\"") >= 0) {
            happened = true;
            log.close();
            return;
          }
          head.setLength(0);
        }
      } catch (CommandException | IOException | InterruptedException e) {
        // without the watch the log still ends as the container ends it
      }
    }

    boolean happened() {
      return happened;
    }

    void stop() {
      cancellation.cancel(new CloseReason.Cancelled("log ended"));
      ApiServerGet.OpenResponse open = watch;
      if (open != null) {
        open.close();
      }
      thread.interrupt();
    }
  }
}
