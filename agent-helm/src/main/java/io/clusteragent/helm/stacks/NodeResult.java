package io.clusteragent.helm.stacks;

import io.clusteragent.protocol.ErrorCode;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's outcome in a run.
 *
 * @param message the step's detail, its failure, or why the node did not start; empty for none
 * @param error the failure's code, present only when {@code status} is FAILED
 */
public record NodeResult(
    String stack, NodeRef node, NodeStatus status, String message, Optional<ErrorCode> error) {

  public NodeResult {
    Objects.requireNonNull(stack, "stack");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(error, "error");
  }
}
