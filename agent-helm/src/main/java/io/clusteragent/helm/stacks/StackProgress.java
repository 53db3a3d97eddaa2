package io.clusteragent.helm.stacks;

/**
 * Told as each node starts and ends, so a command stream can report a long deploy as it goes. Calls
 * come one at a time from the thread that called the runner, never from the step's threads, so an
 * implementation needs no locking. A listener that throws is logged and ignored: its nodes are
 * already changing the cluster, and the run's result still has every outcome.
 */
public interface StackProgress {

  StackProgress NONE = new StackProgress() {};

  /** The step for {@code node} is about to be called. */
  default void started(String stack, StackNode node) {}

  /**
   * {@code result} is final. Every node of the run gets exactly one such call, including the ones
   * that end BLOCKED or NOT_STARTED (those once the run has stopped).
   */
  default void finished(NodeResult result) {}
}
