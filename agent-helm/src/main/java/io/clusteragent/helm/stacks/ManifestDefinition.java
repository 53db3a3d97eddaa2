package io.clusteragent.helm.stacks;

import java.util.List;
import java.util.Objects;

/**
 * Raw Kubernetes objects applied as one node.
 *
 * @param manifest the objects as YAML text (one or more documents), already decoded when the stack
 *     gave it as {@code manifest_base64}
 * @param force replace a live object on conflict instead of failing
 * @param autoRemediate re-apply when drift is found
 */
public record ManifestDefinition(
    String name, String manifest, List<NodeRef> parents, boolean force, boolean autoRemediate)
    implements StackNode {

  public ManifestDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(manifest, "manifest");
    parents = List.copyOf(parents);
  }

  @Override
  public NodeRef ref() {
    return NodeRef.manifest(name);
  }
}
