package io.clusteragent.helm.argocd;

/** What {@link ArgoApplications#apply} changed. */
public enum ApplyOutcome {
  /** There was no Application for the add-on; there is one now. */
  CREATED,
  /** The Application differed from the add-on and now matches it. */
  UPDATED,
  /** The Application already matched the add-on: the API server wrote nothing. */
  UNCHANGED
}
