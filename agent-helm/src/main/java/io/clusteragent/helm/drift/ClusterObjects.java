package io.clusteragent.helm.drift;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Raw JSON requests to the API server for a command's actor, for any type. Requests are built by
 * client-java's {@link ApiClient} (base path, credentials, TLS); bodies are read by Jackson, not by
 * client-java's Gson, which turns every number into a double ({@code replicas: 1} would read back
 * {@code 1.0}) and knows no types it was not generated for.
 */
final class ClusterObjects {

  /** How a delete by UID ended. */
  enum DeleteOutcome {
    /** Deleted, or being deleted (finalizers still hold it). */
    DELETED,
    /** Already gone. */
    GONE,
    /** An object of that name exists with another UID: it was recreated, and was left alone. */
    REPLACED
  }

  private static final String[] AUTH_NAMES = {"BearerToken"};
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final int PAGE_SIZE = 500;
  private static final String JSON_ACCEPT = "application/json";
  private static final String METADATA_LIST =
      "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json";

  private final ApiClientSource clients;
  private final JsonMapper json;
  private final ApiFailures failures;
  private final Actor actor;
  private final Cancellation cancellation;
  private final Instant deadline;

  /**
   * @param clients the agent's own client; requests impersonate {@code actor} unless it is the
   *     agent
   * @param deadline when the command must have answered: no request waits beyond it
   */
  ClusterObjects(
      ApiClientSource clients,
      JsonMapper json,
      Actor actor,
      Cancellation cancellation,
      Instant deadline) {
    this.clients = clients;
    this.actor = actor;
    this.json = json;
    this.failures = new ApiFailures(json);
    this.cancellation = cancellation;
    this.deadline = deadline;
  }

  /** The object at {@code path}, empty when the API server has none (404). */
  Optional<JsonNode> get(String path, String action) throws CommandException {
    Answer answer = send("GET", path, List.of(), JSON_ACCEPT, null, action);
    if (answer.code() == 404) {
      return Optional.empty();
    }
    return Optional.of(ok(answer, action));
  }

  /**
   * The metadata of every item of the collection at {@code path} with {@code labelSelector}, page
   * by page. Metadata only (the API server's PartialObjectMetadataList): a namespace's Secrets or
   * ConfigMaps can hold many megabytes the caller does not need.
   */
  List<JsonNode> listMetadata(String path, String labelSelector, String action)
      throws CommandException {
    List<JsonNode> items = new ArrayList<>();
    String continueToken = null;
    do {
      List<Pair> query = new ArrayList<>();
      query.add(new Pair("labelSelector", labelSelector));
      query.add(new Pair("limit", Integer.toString(PAGE_SIZE)));
      if (continueToken != null) {
        query.add(new Pair("continue", continueToken));
      }
      JsonNode page = ok(send("GET", path, query, METADATA_LIST, null, action), action);
      page.path("items").forEach(items::add);
      String next = page.path("metadata").path("continue").asString("");
      continueToken = next.isEmpty() ? null : next;
    } while (continueToken != null);
    return items;
  }

  /**
   * Deletes the object at {@code path} only if its UID is still {@code uid} (a precondition the API
   * server checks atomically), so an object deleted and recreated under the same name since it was
   * found is never deleted by this request.
   */
  DeleteOutcome delete(String path, String uid, String action) throws CommandException {
    ObjectNode options =
        json.createObjectNode().put("apiVersion", "v1").put("kind", "DeleteOptions");
    options.putObject("preconditions").put("uid", uid);
    // dependents (a Deployment's ReplicaSets) go too, as after helm's own delete
    options.put("propagationPolicy", "Background");
    Answer answer = send("DELETE", path, List.of(), JSON_ACCEPT, options, action);
    return switch (answer.code()) {
      case 404 -> DeleteOutcome.GONE;
      // "Precondition failed: UID in precondition: …, UID in object meta: …"
      case 409 -> DeleteOutcome.REPLACED;
      default -> {
        ok(answer, action);
        yield DeleteOutcome.DELETED;
      }
    };
  }

  /** The API server's status code and body. */
  private record Answer(int code, String body) {}

  /** The body of a 2xx answer as JSON; any other answer as the failure it is. */
  private JsonNode ok(Answer answer, String action) throws CommandException {
    if (answer.code() < 200 || answer.code() >= 300) {
      throw failures.failure(action, answer.code(), answer.body());
    }
    try {
      return json.readTree(answer.body());
    } catch (JacksonException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot " + action + ": the API server's answer is not JSON: " + e.getOriginalMessage(),
          e);
    }
  }

  private Answer send(
      String method, String path, List<Pair> query, String accept, JsonNode body, String action)
      throws CommandException {
    if (cancellation.isCancelled()) {
      throw new CommandException(ErrorCode.CANCELLED, cancellation.reason().message());
    }
    Duration left = Duration.between(Instant.now(), deadline);
    if (left.isNegative() || left.isZero()) {
      throw new CommandException(
          ErrorCode.DEADLINE_EXCEEDED, "the command's deadline passed before it could " + action);
    }
    ApiClient api;
    Request request;
    try {
      api = clients.get();
      request =
          api.buildRequest(
              api.getBasePath(),
              path,
              "GET",
              query,
              List.of(),
              null,
              Map.of("Accept", accept),
              Map.of(),
              Map.of(),
              AUTH_NAMES,
              null);
    } catch (IOException | ApiException | RuntimeException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot configure the Kubernetes client: " + e.getMessage(),
          e);
    }
    Request.Builder builder = request.newBuilder();
    if (!method.equals("GET")) {
      builder.method(method, RequestBody.create(json.writeValueAsBytes(body), JSON_TYPE));
    }
    if (!actor.isAgent()) {
      // ApiClient's header map holds one value per name; impersonation needs one per group
      builder.header("Impersonate-User", actor.user());
      for (String group : actor.groups()) {
        builder.addHeader("Impersonate-Group", group);
      }
    }
    request = builder.build();
    Call call = api.getHttpClient().newCall(request);
    call.timeout().timeout(left.toMillis(), TimeUnit.MILLISECONDS);
    try (Response response = call.execute()) {
      return new Answer(response.code(), response.body().string());
    } catch (IOException e) {
      if (cancellation.isCancelled()) {
        throw new CommandException(ErrorCode.CANCELLED, cancellation.reason().message());
      }
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot " + action + ": API server unreachable: " + e.getMessage(),
          e);
    }
  }
}
