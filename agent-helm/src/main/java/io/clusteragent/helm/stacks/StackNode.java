package io.clusteragent.helm.stacks;

import java.util.List;

/**
 * One unit of a stack the runner applies or deletes as a whole. Closed: the runner's step decides
 * what to do by kind, and a new kind must be handled everywhere a switch over these names it.
 */
public sealed interface StackNode permits ManifestDefinition, AddonDefinition {

  String name();

  /** The nodes this one waits for, as written (duplicates possible; order kept for messages). */
  List<NodeRef> parents();

  NodeRef ref();
}
