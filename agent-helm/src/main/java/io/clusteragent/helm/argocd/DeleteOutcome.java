package io.clusteragent.helm.argocd;

/** What {@link ArgoApplications#delete} found and left. */
public enum DeleteOutcome {
  /** The Application is gone. */
  DELETED,
  /**
   * The Application is being deleted and stays until Argo CD has removed the add-on's objects and
   * its finalizer; {@link ArgoApplications#status} shows the progress. Without a running Argo CD
   * controller it stays until someone removes the finalizer.
   */
  DELETING,
  /** There was no Application for the add-on. */
  ABSENT
}
