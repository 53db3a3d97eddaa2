package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.helm.StateNamespace;
import io.clusteragent.helm.argocd.ArgoApplications;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.helm.releases.ReleaseWriter;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * What applying and deleting a stack need: its reader and state, the two engines (helm through
 * {@link ReleaseWriter}, Argo CD), and how many nodes may run at once ({@code write_worker_count}).
 */
public record StackEngine(
    StackParser parser,
    StackState state,
    ReleaseWriter writer,
    ArgoApplications argo,
    StateNamespace stateNamespace,
    int maxParallel,
    JsonMapper json) {

  /** The step one run calls for each node. */
  AddonDeployment deployment(
      CommandContext context, Optional<StackState.Stored> previous, ProgressFrames progress) {
    return new AddonDeployment(writer, argo, stateNamespace, context, previous, progress, json);
  }
}
