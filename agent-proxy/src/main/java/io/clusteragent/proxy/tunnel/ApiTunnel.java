package io.clusteragent.proxy.tunnel;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.apiserver.BodyForwarder;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Replays one tunnelled request against the API server as the command's actor and streams the
 * answer back: a head frame ({@link ResponseHead} as JSON), then the body bytes as they arrive,
 * under the stream's credit. A request body comes in as the stream's input, never whole in memory.
 * Upgrades (exec, attach, port-forward) go to {@link UpgradeRelay}. Every request is one audit line
 * and one count by method and status; bodies, tokens and exec input are never logged.
 */
public final class ApiTunnel {

  private static final Logger audit = LoggerFactory.getLogger("io.clusteragent.audit");
  private static final String[] AUTH_NAMES = {"BearerToken"};

  private final ApiClientSource unaryClient;
  private final ApiClientSource streamingClient;
  private final UpgradeRelay upgrades;
  private final MeterRegistry meters;
  private final JsonMapper json = JsonMapper.builder().build();

  public ApiTunnel(
      ApiClientSource unaryClient, ApiClientSource streamingClient, MeterRegistry meters) {
    this.unaryClient = unaryClient;
    this.streamingClient = streamingClient;
    this.upgrades = new UpgradeRelay();
    this.meters = meters;
  }

  /** A kubectl request: it must name the platform user it acts for. */
  public CommandResult run(CommandContext context, TunnelRequest request)
      throws CommandException, InterruptedException {
    if (context.actor().isAgent()) {
      throw new CommandException(
          ErrorCode.FORBIDDEN,
          "a tunnelled request must name the platform user it acts for (actor.user)");
    }
    return execute(context, request, null);
  }

  /**
   * A request the platform forwards to an in-cluster service (through the API server's service
   * proxy), ended after {@code timeout}; as the actor when there is one, else as the agent.
   */
  public CommandResult forward(CommandContext context, TunnelRequest request, Duration timeout)
      throws CommandException, InterruptedException {
    return execute(context, request, timeout);
  }

  private CommandResult execute(CommandContext context, TunnelRequest request, Duration timeout)
      throws CommandException, InterruptedException {
    long started = System.nanoTime();
    int status = 0;
    try {
      ApiClient api = client(request.longLived() ? streamingClient : unaryClient);
      Request built = build(api, request, context);
      if (request.upgrade()) {
        UpgradeRelay.Outcome outcome = upgrades.relay(api, built, context, this::sendHead);
        status = outcome.status();
        return summary(status, outcome.bytesToPlatform());
      }
      Call call = api.getHttpClient().newCall(built);
      if (timeout != null) {
        call.timeout().timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      Response response;
      try {
        response = call.execute();
      } catch (IOException e) {
        call.cancel();
        if (context.cancellation().isCancelled() || Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("cancelled while waiting for the API server");
        }
        if (timeout != null && e instanceof java.io.InterruptedIOException) {
          throw new CommandException(
              ErrorCode.DEADLINE_EXCEEDED,
              "no answer from the service within " + timeout.toSeconds() + " s");
        }
        throw new CommandException(
            ErrorCode.UPSTREAM_UNAVAILABLE, "API server unreachable: " + e.getMessage(), e);
      }
      try (response) {
        status = response.code();
        sendHead(context, ResponseHead.of(status, response.headers().toMultimap()));
        long bytes = BodyForwarder.forward(response.body().byteStream(), context);
        return summary(status, bytes);
      } finally {
        call.cancel();
      }
    } finally {
      record(context.actor(), request, status, System.nanoTime() - started);
    }
  }

  private void sendHead(CommandContext context, ResponseHead head)
      throws InterruptedException, CommandException {
    try {
      context.stream().send(json.writeValueAsBytes(head));
    } catch (StreamClosedException e) {
      throw new InterruptedException("the platform stopped reading: " + e.getMessage());
    }
  }

  private static CommandResult summary(int status, long bytes) {
    return CommandResult.ok(
        JsonNodeFactory.instance.objectNode().put("status", status).put("bytes", bytes));
  }

  private Request build(ApiClient api, TunnelRequest request, CommandContext context)
      throws CommandException {
    Request base;
    try {
      base =
          api.buildRequest(
              api.getBasePath(),
              request.path(),
              "GET",
              List.of(),
              List.of(),
              null,
              Map.of(),
              Map.of(),
              Map.of(),
              AUTH_NAMES,
              null);
    } catch (ApiException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "cannot build the API server request: " + e.getMessage(), e);
    }
    HttpUrl url =
        base.url()
            .newBuilder()
            .encodedQuery(request.query().isEmpty() ? null : request.query())
            .build();
    Request.Builder builder =
        base.newBuilder().url(url).removeHeader("Accept").removeHeader("Content-Type");
    request
        .forwardedHeaders()
        .forEach((name, values) -> {
          builder.removeHeader(name);
          values.forEach(value -> builder.addHeader(name, value));
        });
    if (!context.actor().isAgent()) {
      builder.header("Impersonate-User", context.actor().user());
      for (String group : context.actor().groups()) {
        builder.addHeader("Impersonate-Group", group);
      }
    }
    builder.method(request.method(), body(request, context));
    return builder.build();
  }

  private static RequestBody body(TunnelRequest request, CommandContext context) {
    boolean mayHaveBody = !request.method().equals("GET") && !request.method().equals("HEAD");
    if (!mayHaveBody) {
      return null;
    }
    MediaType type =
        request.headers().entrySet().stream()
            .filter(e -> e.getKey().equalsIgnoreCase("Content-Type") && !e.getValue().isEmpty())
            .map(e -> MediaType.parse(e.getValue().get(0)))
            .findFirst()
            .orElse(null);
    if (!request.body()) {
      return RequestBody.create(new byte[0], type);
    }
    return new InputBody(type, context);
  }

  /** The stream's input as the request body, written to the API server as it arrives. */
  private static final class InputBody extends RequestBody {
    private final MediaType type;
    private final CommandContext context;

    InputBody(MediaType type, CommandContext context) {
      this.type = type;
      this.context = context;
    }

    @Override
    public MediaType contentType() {
      return type;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      try {
        byte[] chunk;
        while ((chunk = context.stream().receive()) != null) {
          sink.write(chunk);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("cancelled while reading the request body");
      } catch (StreamClosedException e) {
        throw new IOException("request body input ended: " + e.getMessage(), e);
      }
    }
  }

  private static ApiClient client(ApiClientSource source) throws CommandException {
    try {
      return source.get();
    } catch (IOException | RuntimeException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot configure the Kubernetes client: " + e.getMessage(),
          e);
    }
  }

  private void record(Actor actor, TunnelRequest request, int status, long nanos) {
    String statusTag = status == 0 ? "none" : Integer.toString(status);
    RequestInfo info = RequestInfo.of(request.method(), request.path(), request.query());
    Timer.builder("agent.tunnel.requests")
        .tag("verb", info.verb())
        .tag("status", statusTag)
        .register(meters)
        .record(java.time.Duration.ofNanos(nanos));
    audit.info(
        "tunnel user={} groups={} verb={} resource={} namespace={} name={} path={} status={}"
            + " durationMs={}",
        actor.user(),
        actor.groups(),
        info.verb(),
        info.resource(),
        info.namespace(),
        info.name(),
        request.path(),
        statusTag,
        nanos / 1_000_000);
  }
}
