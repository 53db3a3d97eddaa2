package io.clusteragent.helm.drift;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.yaml.YamlText;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a release as it is in the cluster: its deployed manifest ({@code helm get manifest}, the
 * latest revision) split into objects, and each object's live counterpart from the API server.
 *
 * <p>Everything runs as the command's actor, like every Helm command: the API server's RBAC decides
 * whether a platform user may read the release and its objects (and, for a prune, delete them). The
 * platform's own reconcile sweep names no user, so it runs as the agent.
 */
public final class ReleaseInspector {

  /** How helm separates the documents of a manifest (as {@code ManifestDiff} splits them). */
  private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*(#.*)?$");

  /** Kind names are CamelCase identifiers; anything else cannot be one the API server serves. */
  private static final Pattern KIND = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,62}");

  private final HelmBinary helm;
  private final ApiClientSource clients;
  private final JsonMapper json;
  private final YamlText yaml = new YamlText();

  /**
   * @param clients the agent's own API client ({@code KubernetesClients::unaryClient})
   */
  public ReleaseInspector(HelmBinary helm, ApiClientSource clients, JsonMapper json) {
    this.helm = helm;
    this.clients = clients;
    this.json = json;
  }

  /**
   * The release's manifest and live objects.
   *
   * @throws CommandException NOT_FOUND for an unknown release, helm's and the API server's failures
   */
  public ReleaseInspection inspect(String namespace, String release, CommandContext context)
      throws CommandException, InterruptedException {
    String manifest =
        helm.run(
                List.of("get", "manifest", release, "--namespace=" + namespace),
                context.actor(),
                helm.timeoutFor(context.deadline()),
                context.cancellation())
            .stdoutText();
    Instant deadline =
        context.deadline() == null ? Instant.now().plus(helm.timeoutFor(null)) : context.deadline();
    ClusterObjects cluster =
        new ClusterObjects(clients, json, context.actor(), context.cancellation(), deadline);
    ApiResources resources = new ApiResources(cluster);
    List<DeployedObject> objects = new ArrayList<>();
    for (RenderedObject rendered : objects(manifest)) {
      Optional<ApiResource> resource = resources.find(rendered.apiVersion(), rendered.kind());
      String objectNamespace = where(rendered, resource, namespace);
      Optional<JsonNode> live =
          resource.isEmpty()
              ? Optional.empty()
              : cluster.get(
                  resource.get().objectPath(objectNamespace, rendered.name()),
                  "read "
                      + describe(
                          rendered.apiVersion(),
                          rendered.kind(),
                          objectNamespace,
                          rendered.name()));
      objects.add(new DeployedObject(rendered, objectNamespace, resource, live));
    }
    return new ReleaseInspection(namespace, release, objects, cluster, resources);
  }

  /** The manifest's objects, in its order; documents that are not objects are left out. */
  List<RenderedObject> objects(String manifest) throws CommandException {
    List<RenderedObject> objects = new ArrayList<>();
    if (manifest == null || manifest.isBlank()) {
      return objects;
    }
    for (String text : SEPARATOR.split(manifest)) {
      List<JsonNode> documents;
      try {
        documents = yaml.read("manifest", text, YamlText.Aliases.ALLOW);
      } catch (CommandException e) {
        throw new CommandException(
            ErrorCode.INTERNAL,
            "helm's manifest holds YAML the agent cannot read: " + e.getMessage());
      }
      for (JsonNode document : documents) {
        if (!document.isObject()) {
          continue;
        }
        String apiVersion = document.path("apiVersion").asString("");
        String kind = document.path("kind").asString("");
        JsonNode meta = document.path("metadata");
        String name = meta.path("name").asString("");
        String objectNamespace = meta.path("namespace").asString("");
        if (apiVersion.isEmpty() || kind.isEmpty() || name.isEmpty()) {
          continue;
        }
        // the names become URL path segments: refuse rather than build a path from them
        if (!KIND.matcher(kind).matches()
            || !Names.OBJECT_NAME.accepts(name)
            || !(objectNamespace.isEmpty() || Names.DNS_LABEL.accepts(objectNamespace))) {
          throw new CommandException(
              ErrorCode.INTERNAL,
              "helm's manifest holds an object the agent cannot address: "
                  + describe(apiVersion, kind, objectNamespace, name));
        }
        objects.add(new RenderedObject(apiVersion, kind, objectNamespace, name, document));
      }
    }
    return objects;
  }

  /**
   * Where the object lives: cluster-scoped types nowhere, namespaced ones where the manifest says,
   * else in the release's namespace (where helm put them). A type the API server does not serve
   * keeps the manifest's namespace, as nothing better is known.
   */
  private static String where(
      RenderedObject rendered, Optional<ApiResource> resource, String releaseNamespace) {
    if (resource.isPresent() && !resource.get().namespaced()) {
      return "";
    }
    if (resource.isPresent() && rendered.namespace().isEmpty()) {
      return releaseNamespace;
    }
    return rendered.namespace();
  }

  static String describe(String apiVersion, String kind, String namespace, String name) {
    String shown = (namespace.isEmpty() ? name : namespace + "/" + name);
    shown = shown.length() > 120 ? shown.substring(0, 120) + "…" : shown;
    return apiVersion + " " + kind + " " + shown;
  }
}
