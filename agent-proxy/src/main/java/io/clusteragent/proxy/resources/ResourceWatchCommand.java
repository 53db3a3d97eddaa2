package io.clusteragent.proxy.resources;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.Backoff;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.apiserver.BodyForwarder;
import io.clusteragent.proxy.objects.BoundedBuffer;
import io.clusteragent.proxy.objects.FrameOutput;
import io.clusteragent.proxy.objects.LineJson;
import io.clusteragent.proxy.objects.ObjectFilter;
import io.kubernetes.client.openapi.Pair;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * {@code resources.watch}: a collection's watch, forwarded as the API server's events (one JSON
 * {@code {"type","object"}} per line; ADDED, MODIFIED, DELETED, BOOKMARK and ERROR alike) as they
 * arrive, each object passed through the {@link ObjectFilter}.
 *
 * <p>Events that arrive together leave together, at most {@code batch_size} to a frame; a quiet
 * watch sends each event as soon as it is read, and no partial batch waits longer than {@code
 * batch_timeout_ms}. The agent keeps the watch open across the API server's own ends: each watch
 * connection lasts {@code timeout_seconds} and is re-opened from the last resourceVersion
 * forwarded, and one that drops (an API server restart) is re-opened with backoff, so the platform
 * sees one unbroken stream. When the platform names {@code timeoutSeconds} itself, the watch ends
 * then instead. Where the platform's view can no longer be kept whole (the API server no longer has
 * the resourceVersion, or more than {@code max_events_per_sec} events came in a second and some
 * were dropped) the stream ends with an ERROR event of code 410, the API server's own way of saying
 * "relist". A watch whose very first event is a 410 becomes a command error instead, so the
 * platform knows to relist before any data.
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

  /** A watch connection that ends sooner than this is re-opened only after a backoff. */
  static final Duration MIN_CONNECTION = Duration.ofSeconds(1);

  /** One event is held whole while it is filtered: more than any object etcd stores. */
  static final int MAX_EVENT_BYTES = ResourceGetCommand.MAX_OBJECT_BYTES;

  private static final byte[] ERROR_PREFIX = "{\"type\":\"ERROR\"".getBytes(StandardCharsets.UTF_8);

  private static final JsonMapper JSON = LineJson.MAPPER;

  private final ApiServerGet apiServer;
  private final ResourceAccess access;
  private final boolean enabled;
  private final WatchForwarding forwarding;
  private final Counter events;
  private final Counter rateLimited;
  private final Counter publishFailures;
  private final Timer publishing;

  /**
   * @param enabled {@code k8s_watch.enabled}: when false every watch is refused
   */
  public ResourceWatchCommand(
      ApiServerGet apiServer,
      ResourceAccess access,
      boolean enabled,
      WatchForwarding forwarding,
      MeterRegistry meters) {
    this.apiServer = apiServer;
    this.access = access;
    this.enabled = enabled;
    this.forwarding = forwarding;
    // the documented agent's names, so dashboards built for it work
    this.events =
        Counter.builder("ankra.agent.watch.events")
            .description("Watch events forwarded to the platform")
            .register(meters);
    this.rateLimited =
        Counter.builder("ankra.agent.watch.events.rate.limited")
            .description("Watch events dropped beyond k8s_watch.max_events_per_sec")
            .register(meters);
    this.publishFailures =
        Counter.builder("ankra.agent.watch.publish.failures")
            .description("Watch frames the platform did not take (stream closed or cancelled)")
            .register(meters);
    this.publishing =
        Timer.builder("ankra.agent.in.flight.publish.duration")
            .description("Time to hand one frame of watch events to the platform, credit included")
            .publishPercentileHistogram()
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
    List<Pair> selectors = ResourceTarget.selectorQuery(fields);
    String resourceVersion =
        fields.optionalString("resourceVersion", RESOURCE_VERSION, "resourceVersion").orElse(null);
    OptionalLong askedTimeout = fields.optionalLong("timeoutSeconds", 1);
    long connectionSeconds = askedTimeout.orElse(forwarding.connectionTimeout().toSeconds());

    Forwarding watch = new Forwarding(filter, target.isSecrets(), context, resourceVersion);
    Backoff reconnect = new Backoff(forwarding.reconnectDelay(), forwarding.maxReconnectDelay());
    int drops = 0;
    try (JsonGenerator out = JSON.createGenerator(watch.frames)) {
      while (true) {
        List<Pair> query = new ArrayList<>(selectors);
        query.add(new Pair("watch", "1"));
        query.add(new Pair("allowWatchBookmarks", "true"));
        if (watch.resourceVersion != null) {
          query.add(new Pair("resourceVersion", watch.resourceVersion));
        }
        query.add(new Pair("timeoutSeconds", Long.toString(connectionSeconds)));
        boolean first = watch.connections == 0;
        long opened = System.nanoTime();
        Ending ending;
        try (ApiServerGet.OpenResponse open =
            apiServer.open(
                target.path(),
                query,
                "application/json",
                context.actor(),
                context.cancellation())) {
          watch.connections++;
          ending = watch.run(open.body(), out);
        } catch (CommandException e) {
          boolean expired = e.getMessage().startsWith(ApiServerGet.EXPIRED);
          if (first || (!expired && e.code() != ErrorCode.UPSTREAM_UNAVAILABLE)) {
            throw e;
          }
          ending = expired ? Ending.EXPIRED : Ending.DROPPED;
        }
        if (ending == Ending.ENDED
            && askedTimeout.isEmpty()
            && System.nanoTime() - opened < MIN_CONNECTION.toNanos()) {
          // an API server that ends every watch at once must not be asked again in a tight loop
          ending = Ending.DROPPED;
        }
        switch (ending) {
          case ENDED -> {
            if (askedTimeout.isPresent()) {
              return summary(watch);
            }
            drops = 0;
          }
          case DROPPED -> reconnect.sleep(++drops);
          case EXPIRED -> {
            watch.relist(
                out, "the API server no longer has resourceVersion " + watch.resourceVersion);
            return summary(watch);
          }
          case RATE_LIMITED -> {
            watch.relist(
                out,
                "events came faster than k8s_watch.max_events_per_sec ("
                    + forwarding.maxEventsPerSecond()
                    + "/s) and the agent dropped some");
            return summary(watch);
          }
        }
      }
    } catch (FrameOutput.Stopped stopped) {
      publishFailures.increment();
      stopped.rethrow();
      throw new IllegalStateException("unreachable");
    }
  }

  private static CommandResult summary(Forwarding watch) {
    return CommandResult.ok(
        JsonNodeFactory.instance
            .objectNode()
            .put("events", watch.count)
            .put("bytes", watch.frames.sent())
            .put("connections", watch.connections));
  }

  /** How one API server watch connection ended. */
  private enum Ending {
    /** The API server ended it (its timeout): open the next one. */
    ENDED,
    /** It broke (the API server restarted): open the next one after a backoff. */
    DROPPED,
    /** The API server no longer has the resourceVersion: the platform must relist. */
    EXPIRED,
    /** Events were dropped: the platform must relist. */
    RATE_LIMITED
  }

  /** One watch's copy from the API server to the stream; used by the command's thread only. */
  private final class Forwarding {
    private final ObjectFilter filter;
    private final boolean secret;
    private final CommandContext context;
    private final FrameOutput frames;
    private final BoundedBuffer line = new BoundedBuffer(MAX_EVENT_BYTES);
    private final EventBudget budget;
    private String resourceVersion;
    private long count;
    private int connections;
    private int batched;
    private long batchStarted;

    Forwarding(
        ObjectFilter filter, boolean secret, CommandContext context, String resourceVersion) {
      this.filter = filter;
      this.secret = secret;
      this.context = context;
      this.resourceVersion = resourceVersion;
      this.frames = new FrameOutput(context.stream(), BodyForwarder.MAX_CHUNK_BYTES);
      this.budget = new EventBudget(forwarding.maxEventsPerSecond(), System::nanoTime);
    }

    Ending run(InputStream body, JsonGenerator out) throws CommandException, InterruptedException {
      byte[] buffer = new byte[BodyForwarder.MAX_CHUNK_BYTES];
      line.reset();
      boolean firstEvent = true;
      try {
        while (true) {
          int read;
          try {
            read = body.read(buffer);
          } catch (IOException e) {
            ApiServerGet.readFailure(e, context.cancellation());
            flush(out);
            return Ending.DROPPED;
          }
          if (read < 0) {
            break;
          }
          int start = 0;
          for (int i = 0; i < read; i++) {
            if (buffer[i] == '\n') {
              line.write(buffer, start, i - start);
              Ending ending = event(out, firstEvent && connections == 1);
              firstEvent = false;
              if (ending != null) {
                flush(out);
                return ending;
              }
              start = i + 1;
            }
          }
          line.write(buffer, start, read - start);
          if (context.cancellation().isCancelled()) {
            throw new InterruptedException(context.cancellation().reason().message());
          }
          if (batched > 0
              && (available(body) == 0
                  || System.nanoTime() - batchStarted >= forwarding.batchTimeout().toNanos())) {
            // nothing more is waiting, or the batch waited long enough: send what was read
            flush(out);
          }
        }
        Ending ending = event(out, firstEvent && connections == 1);
        flush(out);
        return ending == null ? Ending.ENDED : ending;
      } catch (BoundedBuffer.Full full) {
        throw new CommandException(
            ErrorCode.PAYLOAD_TOO_LARGE,
            "a watch event is " + full.getMessage() + "; the agent ended the watch");
      }
    }

    /** Forwards the event in {@code line}; returns how the connection must end, or null. */
    private Ending event(JsonGenerator out, boolean veryFirst) throws CommandException {
      if (line.size() == 0) {
        return null;
      }
      byte[] bytes = line.toByteArray();
      line.reset();
      String expired = expiredMessage(bytes);
      if (expired != null) {
        if (veryFirst) {
          throw new CommandException(
              ErrorCode.BAD_REQUEST, ApiServerGet.EXPIRED + " (API server: " + expired + ")");
        }
        return Ending.EXPIRED;
      }
      boolean change = !startsWith(bytes, BOOKMARK_PREFIX) && !startsWith(bytes, ERROR_PREFIX);
      if (change && !budget.take()) {
        rateLimited.increment();
        return Ending.RATE_LIMITED;
      }
      try (JsonParser in = JSON.createParser(bytes)) {
        if (in.nextToken() != JsonToken.START_OBJECT) {
          throw new CommandException(
              ErrorCode.UPSTREAM_UNAVAILABLE,
              "API server sent a watch event that is not an object");
        }
        String version = filter.copyWrapping(in, out, secret);
        out.writeRaw('\n');
        if (version != null && !version.isEmpty()) {
          resourceVersion = version;
        }
      } catch (JacksonException e) {
        throw new CommandException(
            ErrorCode.UPSTREAM_UNAVAILABLE,
            "API server sent a watch event the agent cannot read: " + e.getOriginalMessage(),
            e);
      }
      count++;
      events.increment();
      if (batched++ == 0) {
        batchStarted = System.nanoTime();
      }
      if (batched >= forwarding.batchSize()) {
        flush(out);
      }
      return null;
    }

    /** Tells the platform to relist, in the API server's own words for it, and flushes. */
    void relist(JsonGenerator out, String why) {
      out.writeStartObject();
      out.writeStringProperty("type", "ERROR");
      out.writeName("object");
      out.writeStartObject();
      out.writeStringProperty("kind", "Status");
      out.writeStringProperty("apiVersion", "v1");
      out.writeStringProperty("status", "Failure");
      out.writeStringProperty("reason", "Expired");
      out.writeStringProperty("message", why + "; relist");
      out.writeNumberProperty("code", 410);
      out.writeEndObject();
      out.writeEndObject();
      out.writeRaw('\n');
      flush(out);
    }

    private void flush(JsonGenerator out) {
      long started = System.nanoTime();
      out.flush();
      if (batched > 0) {
        publishing.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        batched = 0;
      }
    }

    private int available(InputStream body) throws CommandException, InterruptedException {
      try {
        return body.available();
      } catch (IOException e) {
        throw ApiServerGet.readFailure(e, context.cancellation());
      }
    }
  }

  private static final byte[] BOOKMARK_PREFIX =
      "{\"type\":\"BOOKMARK\"".getBytes(StandardCharsets.UTF_8);

  private static boolean startsWith(byte[] event, byte[] prefix) {
    return event.length >= prefix.length
        && Arrays.equals(event, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * A too-old resourceVersion is answered with 200 and an ERROR event carrying a 410 Status (the
   * HTTP 410 case is mapped by {@link ApiServerGet}): its message, or null for any other event.
   */
  private static String expiredMessage(byte[] event) {
    if (!startsWith(event, ERROR_PREFIX)) {
      return null;
    }
    try {
      JsonNode status = JSON.readTree(event).path("object");
      return status.path("code").asInt() == 410 ? status.path("message").asString("expired") : null;
    } catch (JacksonException notJson) {
      return null;
    }
  }
}
