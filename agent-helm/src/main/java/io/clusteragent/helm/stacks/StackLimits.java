package io.clusteragent.helm.stacks;

/**
 * Bounds on what one stack document may hold. A document comes from the platform, so these keep a
 * mistaken (or hostile) one from costing the agent memory and threads out of proportion to any real
 * stack.
 *
 * @param maxDocumentChars the whole YAML document (a command payload is at most about a megabyte
 *     anyway, so the default leaves room and no more)
 * @param maxNodes manifests plus add-ons in one stack
 * @param maxParents parents of one node
 * @param maxStacks stacks ordered together by {@link StackWaves}
 */
public record StackLimits(int maxDocumentChars, int maxNodes, int maxParents, int maxStacks) {

  public static final StackLimits DEFAULTS = new StackLimits(1024 * 1024, 250, 50, 100);

  public StackLimits {
    if (maxDocumentChars < 1 || maxNodes < 1 || maxParents < 0 || maxStacks < 1) {
      throw new IllegalArgumentException("stack limits must be positive");
    }
  }
}
