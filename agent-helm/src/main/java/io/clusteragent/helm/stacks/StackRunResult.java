package io.clusteragent.helm.stacks;

import java.util.List;
import java.util.Optional;

/**
 * Every node's outcome, in the order the run would have taken them (install order, or delete order;
 * lowest wave first on install, highest first on teardown).
 *
 * @param cancelled the run stopped because it was cancelled or interrupted
 */
public record StackRunResult(List<NodeResult> nodes, boolean cancelled) {

  public StackRunResult {
    nodes = List.copyOf(nodes);
  }

  /** Every node is APPLIED or UNCHANGED. */
  public boolean succeeded() {
    return nodes.stream().allMatch(n -> n.status().succeeded());
  }

  /** The first FAILED node in run order, if any. */
  public Optional<NodeResult> firstFailure() {
    return nodes.stream().filter(n -> n.status() == NodeStatus.FAILED).findFirst();
  }

  public List<NodeResult> withStatus(NodeStatus status) {
    return nodes.stream().filter(n -> n.status() == status).toList();
  }

  /** The outcome of {@code node} in {@code stack}. */
  public NodeResult of(String stack, NodeRef node) {
    return nodes.stream()
        .filter(n -> n.stack().equals(stack) && n.node().equals(node))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(node + " of stack " + stack + " not run"));
  }
}
