package io.clusteragent.helm.stacks;

/** Where one node ended up in a run. */
public enum NodeStatus {
  /** The step changed it. */
  APPLIED,
  /** The step found it as asked. */
  UNCHANGED,
  /** The step failed, was interrupted or threw. */
  FAILED,
  /**
   * Not started because something it waits for failed (a parent on install, a child on delete, or a
   * node of a lower wave): it cannot run until that is fixed.
   */
  BLOCKED,
  /**
   * Not started because the run stopped (a failure elsewhere, or a cancel) before it was its turn;
   * nothing it waits for failed, so running again may well get it done.
   */
  NOT_STARTED;

  /** APPLIED or UNCHANGED: the node is in the state the run asked for. */
  public boolean succeeded() {
    return this == APPLIED || this == UNCHANGED;
  }
}
