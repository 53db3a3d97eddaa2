package io.clusteragent.helm.stacks;

import io.clusteragent.protocol.CommandException;

/**
 * What the runner does to one node; the runner only decides when. An implementation must be safe to
 * call from several threads at once (independent nodes run in parallel) and idempotent: a stack is
 * re-applied as a whole, so a node already in its desired state answers {@link
 * StepOutcome.Unchanged} rather than doing the work again.
 */
public interface StackStep {

  /**
   * Installs or upgrades {@code node}. Called only once every parent has succeeded.
   *
   * @throws CommandException reported as the node's {@code FAILED} outcome with its code
   * @throws InterruptedException when the run is cancelled by interrupting it; the node is then
   *     reported {@code FAILED} with {@code CANCELLED}
   */
  StepOutcome apply(StackDefinition stack, StackNode node)
      throws CommandException, InterruptedException;

  /**
   * Removes {@code node}; {@link StepOutcome.Unchanged} when it was already gone. Called only once
   * every node that names it as a parent is deleted.
   */
  StepOutcome delete(StackDefinition stack, StackNode node)
      throws CommandException, InterruptedException;
}
