package io.clusteragent.proxy.resources;

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
import io.clusteragent.proxy.objects.BoundedBuffer;
import io.clusteragent.proxy.objects.FrameOutput;
import io.clusteragent.proxy.objects.ObjectFilter;
import io.kubernetes.client.openapi.Pair;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * {@code resources.watch}: a collection's watch, forwarded as the API server's events (one JSON
 * {@code {"type","object"}} per line; ADDED, MODIFIED, DELETED, BOOKMARK and ERROR alike) as they
 * arrive, each object passed through the {@link ObjectFilter}. Events that arrive together leave
 * together in one frame; a quiet watch sends each event as soon as it is read. Only a watch whose
 * very first event is a 410 ERROR (the resourceVersion is too old) becomes a command error instead,
 * so the platform knows to relist before any data.
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
          "timeoutSeconds",
          "secretValues");

  /** Resource versions are opaque, but in practice digits; no more is needed for a query value. */
  private static final Names.Rule RESOURCE_VERSION =
      new Names.Rule(
          Pattern.compile("[A-Za-z0-9._-]{1,64}"),
          "letters, digits, '.', '_' and '-', at most 64 characters");

  /** One event is held whole while it is filtered: more than any object etcd stores. */
  static final int MAX_EVENT_BYTES = ResourceGetCommand.MAX_OBJECT_BYTES;

  private static final byte[] ERROR_PREFIX = "{\"type\":\"ERROR\"".getBytes(StandardCharsets.UTF_8);

  private static final JsonMapper JSON =
      JsonMapper.builder(JsonFactory.builder().rootValueSeparator("").build()).build();

  private final ApiServerGet apiServer;
  private final ResourceAccess access;
  private final boolean enabled;
  private final Counter events;

  /**
   * @param enabled {@code k8s_watch.enabled}: when false every watch is refused
   */
  public ResourceWatchCommand(
      ApiServerGet apiServer, ResourceAccess access, boolean enabled, MeterRegistry meters) {
    this.apiServer = apiServer;
    this.access = access;
    this.enabled = enabled;
    // the documented agent's name, so dashboards built for it work
    this.events =
        Counter.builder("ankra.agent.watch.events")
            .description("Watch events forwarded to the platform")
            .register(meters);
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
      throws CommandException, InterruptedException, StreamClosedException {
    if (!enabled) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "watch is disabled on this agent (k8s_watch.enabled=false)");
    }
    Payload fields = Payload.of(payload, FIELDS);
    ResourceTarget target = ResourceTarget.collection(fields);
    access.checkServed(target);
    ObjectFilter filter = access.filter(fields.optionalBoolean("secretValues").orElse(false));
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
      Forwarding forwarding = new Forwarding(filter, target.isSecrets(), context);
      try {
        forwarding.run(open.body());
      } catch (FrameOutput.Stopped stopped) {
        stopped.rethrow();
      }
      return CommandResult.ok(
          JsonNodeFactory.instance
              .objectNode()
              .put("events", forwarding.count)
              .put("bytes", forwarding.frames.sent()));
    }
  }

  /** One watch's copy from the API server to the stream; used by the command's thread only. */
  private final class Forwarding {
    private final ObjectFilter filter;
    private final boolean secret;
    private final CommandContext context;
    private final FrameOutput frames;
    private final BoundedBuffer line = new BoundedBuffer(MAX_EVENT_BYTES);
    private long count;

    Forwarding(ObjectFilter filter, boolean secret, CommandContext context) {
      this.filter = filter;
      this.secret = secret;
      this.context = context;
      this.frames = new FrameOutput(context.stream(), BodyForwarder.MAX_CHUNK_BYTES);
    }

    void run(InputStream body) throws CommandException, InterruptedException {
      byte[] buffer = new byte[BodyForwarder.MAX_CHUNK_BYTES];
      try (JsonGenerator out = JSON.createGenerator(frames)) {
        while (true) {
          int read;
          try {
            read = body.read(buffer);
          } catch (IOException e) {
            throw ApiServerGet.readFailure(e, context.cancellation());
          }
          if (read < 0) {
            break;
          }
          int start = 0;
          for (int i = 0; i < read; i++) {
            if (buffer[i] == '\n') {
              line.write(buffer, start, i - start);
              event(out);
              start = i + 1;
            }
          }
          line.write(buffer, start, read - start);
          if (context.cancellation().isCancelled()) {
            throw new InterruptedException(context.cancellation().reason().message());
          }
          if (available(body) == 0) {
            // nothing more is waiting: send what was read rather than sit on it
            out.flush();
          }
        }
        event(out);
        out.flush();
      } catch (BoundedBuffer.Full full) {
        throw new CommandException(
            ErrorCode.PAYLOAD_TOO_LARGE,
            "a watch event is " + full.getMessage() + "; the agent ended the watch");
      }
    }

    private void event(JsonGenerator out) throws CommandException {
      if (line.size() == 0) {
        return;
      }
      byte[] bytes = line.toByteArray();
      line.reset();
      if (count == 0) {
        failIfExpiredAtStart(bytes);
      }
      try (JsonParser in = JSON.createParser(bytes)) {
        if (in.nextToken() != JsonToken.START_OBJECT) {
          throw new CommandException(
              ErrorCode.UPSTREAM_UNAVAILABLE,
              "API server sent a watch event that is not an object");
        }
        out.writeStartObject();
        while (in.nextToken() == JsonToken.PROPERTY_NAME) {
          String name = in.currentName();
          in.nextToken();
          out.writeName(name);
          if (name.equals("object")) {
            filter.copy(in, out, secret);
          } else {
            out.copyCurrentStructureExact(in);
          }
        }
        out.writeEndObject();
        out.writeRaw('\n');
      } catch (JacksonException e) {
        throw new CommandException(
            ErrorCode.UPSTREAM_UNAVAILABLE,
            "API server sent a watch event the agent cannot read: " + e.getOriginalMessage(),
            e);
      }
      count++;
      events.increment();
    }

    private int available(InputStream body) throws CommandException, InterruptedException {
      try {
        return body.available();
      } catch (IOException e) {
        throw ApiServerGet.readFailure(e, context.cancellation());
      }
    }
  }

  /**
   * A too-old resourceVersion is answered with 200 and a first ERROR event carrying a 410 Status
   * (the HTTP 410 case is mapped by {@link ApiServerGet}).
   */
  private static void failIfExpiredAtStart(byte[] event) throws CommandException {
    if (event.length < ERROR_PREFIX.length
        || !Arrays.equals(event, 0, ERROR_PREFIX.length, ERROR_PREFIX, 0, ERROR_PREFIX.length)) {
      return;
    }
    JsonNode status;
    try {
      status = JSON.readTree(event).path("object");
    } catch (JacksonException notJson) {
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
