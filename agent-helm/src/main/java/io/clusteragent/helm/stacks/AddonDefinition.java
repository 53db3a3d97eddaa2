package io.clusteragent.helm.stacks;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Helm release as one node. The name is the release name.
 *
 * @param registryUrl an {@code https://} chart repository or an {@code oci://} registry
 * @param registryName the repository's name, when the stack gave one
 * @param values Helm values as YAML text, empty for none
 * @param engine the engine that deploys it, the stack's when the add-on names none
 */
public record AddonDefinition(
    String name,
    String chartName,
    String chartVersion,
    String registryUrl,
    Optional<String> registryName,
    String namespace,
    String values,
    List<NodeRef> parents,
    AddonSettings settings,
    Engine engine)
    implements StackNode {

  public AddonDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(chartName, "chartName");
    Objects.requireNonNull(chartVersion, "chartVersion");
    Objects.requireNonNull(registryUrl, "registryUrl");
    Objects.requireNonNull(registryName, "registryName");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(values, "values");
    parents = List.copyOf(parents);
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(engine, "engine");
  }

  @Override
  public NodeRef ref() {
    return NodeRef.addon(name);
  }

  /** Whether the chart comes from an OCI registry rather than a repository index. */
  public boolean fromOciRegistry() {
    return registryUrl.startsWith("oci://");
  }
}
