package io.clusteragent.proxy.resources;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.apiserver.BodyForwarder;
import io.clusteragent.proxy.objects.FrameOutput;
import io.clusteragent.proxy.objects.LineJson;
import io.clusteragent.proxy.objects.ObjectFilter;
import io.kubernetes.client.openapi.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code resources.list}: a whole collection, of any size, streamed page by page. The agent asks
 * the API server for {@code pageSize} objects at a time (its {@code limit}/{@code continue}) and
 * copies each page to the platform as it reads it, one object per line, through the {@link
 * ObjectFilter}; it never holds more than one object's current token and one output chunk, whatever
 * the list's size. The platform's credit paces the reading.
 *
 * <p>Data frames carry lines: first the list's head (its {@code kind}, {@code apiVersion}, {@code
 * metadata} without {@code continue}, and for a table its {@code columnDefinitions}), then one item
 * (or table row) per line. The end frame sums it up: {@code {"items", "pages", "resourceVersion",
 * "continue"?}}, {@code continue} only when {@code limit} stopped the list before its end.
 */
public final class ResourceListCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of(
          "group",
          "version",
          "resource",
          "namespace",
          "labelSelector",
          "fieldSelector",
          "limit",
          "continue",
          "pageSize",
          "table",
          "secretValues");

  static final int DEFAULT_PAGE_SIZE = 500;
  static final int MAX_PAGE_SIZE = 10_000;

  /** What kubectl asks for to print a table, with plain JSON as the fallback for old servers. */
  static final String TABLE_ACCEPT =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  private static final JsonMapper JSON = LineJson.MAPPER;

  private final ApiServerGet apiServer;
  private final ResourceAccess access;

  public ResourceListCommand(ApiServerGet apiServer, ResourceAccess access) {
    this.apiServer = apiServer;
    this.access = access;
  }

  @Override
  public String type() {
    return "resources.list";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException, StreamClosedException {
    Payload fields = Payload.of(payload, FIELDS);
    ResourceTarget target = ResourceTarget.collection(fields);
    access.checkServed(target);
    long limit = fields.optionalLong("limit", 1).orElse(Long.MAX_VALUE);
    long pageSize = fields.optionalLong("pageSize", 1).orElse(DEFAULT_PAGE_SIZE);
    if (pageSize > MAX_PAGE_SIZE) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "pageSize must be an integer from 1 to " + MAX_PAGE_SIZE);
    }
    boolean table = fields.optionalBoolean("table").orElse(false);
    ObjectFilter filter = access.filter(fields.optionalBoolean("secretValues").orElse(false));
    String next = fields.optionalString("continue").orElse(null);
    List<Pair> selectors = ResourceTarget.selectorQuery(fields);

    FrameOutput frames = new FrameOutput(context.stream(), BodyForwarder.MAX_CHUNK_BYTES);
    Listing listing = new Listing();
    try (JsonGenerator out = JSON.createGenerator(frames)) {
      do {
        List<Pair> query = new ArrayList<>(selectors);
        query.add(new Pair("limit", Long.toString(Math.min(pageSize, limit - listing.items))));
        if (next != null) {
          query.add(new Pair("continue", next));
        }
        next = copyPage(target, query, table, filter, out, listing, context);
      } while (next != null && listing.items < limit);
      if (!listing.headSent) {
        // an empty answer without items still tells the platform what it listed
        writeHead(out, listing, JsonNodeFactory.instance.objectNode());
      }
      out.flush();
    } catch (FrameOutput.Stopped stopped) {
      stopped.rethrow();
    }
    ObjectNode summary =
        JsonNodeFactory.instance
            .objectNode()
            .put("items", listing.items)
            .put("pages", listing.pages)
            .put("resourceVersion", listing.resourceVersion);
    if (next != null) {
      summary.put("continue", next);
    }
    return CommandResult.ok(summary);
  }

  /** Copies one page; returns its continue token, or null at the end of the list. */
  private String copyPage(
      ResourceTarget target,
      List<Pair> query,
      boolean table,
      ObjectFilter filter,
      JsonGenerator out,
      Listing listing,
      CommandContext context)
      throws CommandException, InterruptedException {
    try (ApiServerGet.OpenResponse open =
            apiServer.open(
                target.path(),
                query,
                table ? TABLE_ACCEPT : "application/json",
                context.actor(),
                context.cancellation());
        JsonParser in = JSON.createParser(open.body())) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        throw new CommandException(
            ErrorCode.UPSTREAM_UNAVAILABLE, "API server answered a list that is not a JSON object");
      }
      ObjectNode head = JsonNodeFactory.instance.objectNode();
      boolean secret = target.isSecrets();
      while (in.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = in.currentName();
        JsonToken value = in.nextToken();
        if ((name.equals("items") || name.equals("rows")) && value == JsonToken.START_ARRAY) {
          if (!listing.headSent) {
            writeHead(out, listing, head);
          }
          while (in.nextToken() != JsonToken.END_ARRAY) {
            if (context.cancellation().isCancelled()) {
              throw new InterruptedException(context.cancellation().reason().message());
            }
            if (table && name.equals("rows")) {
              // a row's object (partial metadata) goes through the filter like an item
              filter.copyWrapping(in, out, secret);
            } else {
              filter.copy(in, out, secret);
            }
            out.writeRaw('\n');
            listing.items++;
          }
        } else {
          head.set(name, (JsonNode) in.readValueAsTree());
        }
      }
      listing.pages++;
      JsonNode metadata = head.path("metadata");
      if (listing.pages == 1 && listing.resourceVersion == null) {
        listing.resourceVersion = metadata.path("resourceVersion").asString(null);
      }
      if (!listing.headSent) {
        writeHead(out, listing, head);
      }
      String next = metadata.path("continue").asString("");
      return next.isEmpty() ? null : next;
    } catch (JacksonException e) {
      throw ApiServerGet.unreadable(e, "a list", context.cancellation());
    }
  }

  private static void writeHead(JsonGenerator out, Listing listing, ObjectNode page) {
    ObjectNode head = page.deepCopy();
    if (head.path("metadata") instanceof ObjectNode fields) {
      // paging is the agent's business; what the head keeps is true for the whole stream
      fields.remove("continue");
      fields.remove("remainingItemCount");
    }
    out.writeTree(head);
    out.writeRaw('\n');
    listing.headSent = true;
  }

  /** Where a listing stands; touched by the command's own thread only. */
  private static final class Listing {
    boolean headSent;
    long items;
    int pages;
    String resourceVersion;
  }
}
