package io.clusteragent.proxy.discovery;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the cluster serves, read from the API server's aggregated discovery ({@code /api} and {@code
 * /apis} as {@code APIGroupDiscoveryList}, GA since Kubernetes 1.30): two requests for the whole
 * cluster. The answer is cached with its {@code ETag} and revalidated on every use, so a CRD
 * created or deleted a moment ago is already there (or gone), and an unchanged cluster costs two
 * 304s.
 *
 * <p>Read as the agent: discovery is open to every authenticated user, so one copy serves all.
 */
public final class ApiDiscovery {

  static final String ACCEPT =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
          + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

  private static final List<String> ROOTS = List.of("/api", "/apis");

  private final ApiServerGet apiServer;
  private final JsonMapper json = JsonMapper.builder().build();
  private final Map<String, Cached> byRoot = new LinkedHashMap<>();

  public ApiDiscovery(ApiServerGet apiServer) {
    this.apiServer = apiServer;
  }

  /** Every served resource type (no subresources), core group first, in the server's order. */
  public List<ApiResource> resources(Cancellation cancellation)
      throws CommandException, InterruptedException {
    List<ApiResource> all = new ArrayList<>();
    for (String root : ROOTS) {
      all.addAll(current(root, cancellation));
    }
    return all;
  }

  private List<ApiResource> current(String root, Cancellation cancellation)
      throws CommandException, InterruptedException {
    Cached cached;
    synchronized (byRoot) {
      cached = byRoot.get(root);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", ACCEPT);
    if (cached != null && cached.etag() != null) {
      headers.put("If-None-Match", cached.etag());
    }
    Optional<ApiServerGet.OpenResponse> answer =
        apiServer.open(root, List.of(), headers, Actor.AGENT, cancellation);
    if (answer.isEmpty()) {
      return cached.resources();
    }
    try (ApiServerGet.OpenResponse open = answer.get()) {
      JsonNode document = json.readTree(open.body());
      if (!"APIGroupDiscoveryList".equals(document.path("kind").asString(""))) {
        throw new CommandException(
            ErrorCode.UPSTREAM_UNAVAILABLE,
            "the API server does not serve aggregated discovery on "
                + root
                + " (Kubernetes 1.30 or later is needed)");
      }
      Cached fresh = new Cached(open.response().header("ETag"), parse(document));
      synchronized (byRoot) {
        byRoot.put(root, fresh);
      }
      return fresh.resources();
    } catch (JacksonException e) {
      throw ApiServerGet.unreadable(e, "a discovery document on " + root, cancellation);
    }
  }

  /** The preferred (first) version of each group, its top-level resources. */
  static List<ApiResource> parse(JsonNode document) {
    List<ApiResource> resources = new ArrayList<>();
    for (JsonNode group : document.path("items")) {
      String name = group.path("metadata").path("name").asString("");
      JsonNode preferred = group.path("versions").path(0);
      String version = preferred.path("version").asString("");
      for (JsonNode resource : preferred.path("resources")) {
        resources.add(
            new ApiResource(
                name,
                version,
                resource.path("resource").asString(""),
                resource.path("responseKind").path("kind").asString(""),
                "Namespaced".equals(resource.path("scope").asString("")),
                strings(resource.path("verbs")),
                resource.path("singularResource").asString(""),
                strings(resource.path("shortNames"))));
      }
    }
    return resources;
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asString("")));
    return List.copyOf(values);
  }

  private record Cached(String etag, List<ApiResource> resources) {}
}
