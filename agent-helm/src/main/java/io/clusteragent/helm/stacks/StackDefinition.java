package io.clusteragent.helm.stacks;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One stack as the platform defined it. Holds what the document said, checked field by field; that
 * the {@code parents} form a DAG is {@link StackPlan}'s check, so build a plan before running it.
 *
 * @param deployWave stacks of a lower wave are deployed first, and torn down last
 * @param engine the default engine of the stack's add-ons
 */
public record StackDefinition(
    String name,
    int deployWave,
    Engine engine,
    List<ManifestDefinition> manifests,
    List<AddonDefinition> addons) {

  public StackDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(engine, "engine");
    manifests = List.copyOf(manifests);
    addons = List.copyOf(addons);
  }

  /** Every node in document order: the manifests, then the add-ons. */
  public List<StackNode> nodes() {
    List<StackNode> nodes = new ArrayList<>(manifests.size() + addons.size());
    nodes.addAll(manifests);
    nodes.addAll(addons);
    return List.copyOf(nodes);
  }
}
