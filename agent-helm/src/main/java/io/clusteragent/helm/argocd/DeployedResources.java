package io.clusteragent.helm.argocd;

/** What happens to the objects Argo CD deployed when an add-on's Application is deleted. */
public enum DeployedResources {
  /**
   * Argo CD deletes them first (the {@code resources-finalizer.argocd.argoproj.io} finalizer): the
   * add-on is uninstalled. The Application stays, being deleted, until Argo CD is done.
   */
  REMOVE,
  /**
   * They stay where they are and only the Application goes: a hand-over, e.g. to the native engine
   * after Helm adopted them.
   */
  KEEP
}
