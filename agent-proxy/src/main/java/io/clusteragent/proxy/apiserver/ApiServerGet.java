package io.clusteragent.proxy.apiserver;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Raw GETs against the API server for a command's actor. The request is built by client-java's
 * {@link ApiClient} (base path, bearer token or client certificate, TLS), so auth stays in one
 * place; the response body is handed back unparsed, because re-encoding large lists costs more than
 * the whole round trip.
 */
public final class ApiServerGet {

  private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
  private static final int MAX_MESSAGE_CHARS = 300;

  /**
   * The message of a {@code BAD_REQUEST} for 410 Gone, as an HTTP status or as a watch's first
   * event.
   */
  public static final String EXPIRED = "resourceVersion too old; relist";

  private static final String[] AUTH_NAMES = {"BearerToken"};

  private final ApiClientSource source;
  private final JsonMapper json = JsonMapper.builder().build();
  private ApiClient client;

  public ApiServerGet(ApiClientSource source) {
    this.source = source;
  }

  /**
   * Sends the GET and returns the open response when the API server answered 2xx; the caller must
   * close it. Any other answer, or no answer, becomes a {@link CommandException}.
   *
   * @param path an absolute API path whose segments the caller has validated
   * @throws InterruptedException when the command was cancelled while waiting for the answer
   */
  public OpenResponse open(
      String path, List<Pair> query, String accept, Actor actor, Cancellation cancellation)
      throws CommandException, InterruptedException {
    return open(path, query, Map.of("Accept", accept), actor, cancellation)
        .orElseThrow(() ->
            new CommandException(
                ErrorCode.UPSTREAM_UNAVAILABLE, "API server answered 304 to an unconditional GET"));
  }

  /**
   * Like {@link #open(String, List, String, Actor, Cancellation)} with the request headers given;
   * empty when the API server answered 304 Not Modified to an {@code If-None-Match}.
   */
  public Optional<OpenResponse> open(
      String path,
      List<Pair> query,
      Map<String, String> headers,
      Actor actor,
      Cancellation cancellation)
      throws CommandException, InterruptedException {
    ApiClient api = client();
    Call call = api.getHttpClient().newCall(request(api, path, query, headers, actor));
    if (cancellation.isCancelled()) {
      throw new InterruptedException(cancellation.reason().message());
    }
    Response response;
    try {
      response = call.execute();
    } catch (IOException e) {
      call.cancel();
      if (cancellation.isCancelled() || Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("cancelled while waiting for the API server");
      }
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE, "API server unreachable: " + e.getMessage(), e);
    }
    if (response.code() == 304) {
      response.close();
      return Optional.empty();
    }
    if (!response.isSuccessful()) {
      try (response) {
        throw failure(response);
      }
    }
    return Optional.of(new OpenResponse(call, response));
  }

  /**
   * A 2xx response and its call. Closing cancels the call too, so a follow stream's connection is
   * torn down rather than returned to the pool half-read.
   */
  public record OpenResponse(Call call, Response response) implements AutoCloseable {

    public InputStream body() {
      return response.body().byteStream();
    }

    @Override
    public void close() {
      call.cancel();
      response.close();
    }
  }

  /**
   * Maps an I/O failure while reading a body: cancellation wins (thrown), everything else is
   * upstream trouble (returned, for the caller to throw).
   */
  public static CommandException readFailure(IOException e, Cancellation cancellation)
      throws InterruptedException {
    if (cancellation.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("cancelled while reading from the API server");
    }
    return new CommandException(
        ErrorCode.UPSTREAM_UNAVAILABLE, "API server connection failed: " + e.getMessage(), e);
  }

  /**
   * Maps a failure to read a JSON answer: a cut connection as {@link #readFailure}, anything else
   * (not JSON, not the expected shape) as upstream trouble naming {@code what} was read.
   */
  public static CommandException unreadable(
      JacksonException e, String what, Cancellation cancellation) throws InterruptedException {
    if (e.getCause() instanceof IOException io) {
      return readFailure(io, cancellation);
    }
    return new CommandException(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        "API server answered " + what + " the agent cannot read: " + e.getOriginalMessage(),
        e);
  }

  private synchronized ApiClient client() throws CommandException {
    if (client == null) {
      try {
        client = source.get();
      } catch (IOException | RuntimeException e) {
        throw new CommandException(
            ErrorCode.UPSTREAM_UNAVAILABLE,
            "cannot configure the Kubernetes client: " + e.getMessage(),
            e);
      }
    }
    return client;
  }

  private static Request request(
      ApiClient api, String path, List<Pair> query, Map<String, String> headers, Actor actor)
      throws CommandException {
    Request request;
    try {
      request =
          api.buildRequest(
              api.getBasePath(),
              path,
              "GET",
              query,
              List.of(),
              null,
              headers,
              Map.of(),
              Map.of(),
              AUTH_NAMES,
              null);
    } catch (ApiException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "cannot build the API server request: " + e.getMessage(), e);
    }
    if (actor.isAgent()) {
      return request;
    }
    // ApiClient's header map holds one value per name; impersonation needs one header per group.
    Request.Builder impersonating = request.newBuilder().header("Impersonate-User", actor.user());
    for (String group : actor.groups()) {
      impersonating.addHeader("Impersonate-Group", group);
    }
    return impersonating.build();
  }

  private CommandException failure(Response response) {
    int status = response.code();
    ErrorCode code =
        switch (status) {
          case 400, 410, 422 -> ErrorCode.BAD_REQUEST;
          case 403 -> ErrorCode.FORBIDDEN;
          case 404 -> ErrorCode.NOT_FOUND;
          case 409 -> ErrorCode.CONFLICT;
          default ->
              status >= 500 || status == 401 || status == 429
                  ? ErrorCode.UPSTREAM_UNAVAILABLE
                  : ErrorCode.BAD_REQUEST;
        };
    String detail = "API server answered " + status + ": " + statusMessage(response);
    // 410 Gone: the resourceVersion (or continue token) is older than the API server keeps.
    return new CommandException(code, status == 410 ? EXPIRED + " (" + detail + ")" : detail);
  }

  /**
   * The {@code message} of the API server's Status object, shortened; the raw text when it sent
   * none.
   */
  private String statusMessage(Response response) {
    String text;
    try {
      text = response.peekBody(MAX_ERROR_BODY_BYTES).string();
    } catch (IOException | RuntimeException e) {
      // a short body reads fully; a failure here only loses the detail
      text = "";
    }
    String message = text;
    try {
      JsonNode status = json.readTree(text);
      if (status.path("message").isString()) {
        message = status.path("message").asString();
      }
    } catch (RuntimeException notJson) {
      // plain-text errors (proxies, kubelet) are shown as they are
    }
    message = message.strip();
    if (message.isEmpty()) {
      message = response.message().isEmpty() ? "no detail" : response.message();
    }
    return message.length() <= MAX_MESSAGE_CHARS
        ? message
        : message.substring(0, MAX_MESSAGE_CHARS) + "…";
  }
}
