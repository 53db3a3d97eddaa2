package io.clusteragent.helm.argocd;

import io.clusteragent.protocol.Names;

/**
 * Where the cluster's Argo CD lives.
 *
 * @param namespace the namespace Argo CD watches for Applications (its install namespace)
 */
public record ArgoCdSettings(String namespace) {

  /** Argo CD's own install manifests put it in {@code argocd}. */
  public static final ArgoCdSettings DEFAULTS = new ArgoCdSettings("argocd");

  public ArgoCdSettings {
    if (!Names.DNS_LABEL.accepts(namespace)) {
      throw new IllegalArgumentException(
          "Argo CD namespace '" + namespace + "' is not a valid namespace name");
    }
  }
}
