/**
 * Add-on stacks: the documented stack format read into records ({@link
 * io.clusteragent.helm.stacks.StackParser}), the order its {@code parents} and {@code deploy_wave}s
 * impose ({@link io.clusteragent.helm.stacks.StackPlan}, {@link
 * io.clusteragent.helm.stacks.StackWaves}), and a runner that follows that order ({@link
 * io.clusteragent.helm.stacks.StackRunner}).
 *
 * <p>Nothing here touches a cluster. What a node's apply or delete does (helm for the native
 * engine, Argo CD for the other, the API server for a manifest) is a {@link
 * io.clusteragent.helm.stacks.StackStep} plugged in by the caller, so the rules that are easy to
 * get wrong (a node never before its parents, at most N at once, nothing new after a failure, every
 * node accounted for) are written once for every engine and tested without a cluster.
 *
 * <p>The parser refuses what the agent cannot do rather than skipping it: a stack applied without
 * its {@code from_file} manifest, its SOPS decryption or its variables substituted would reach the
 * cluster different from what the user wrote, and say nothing. Undocumented fields are refused for
 * the same reason (a misspelt {@code parents} would drop an ordering edge).
 *
 * <p>The runner's coordinating loop runs on the caller's thread and owns all run state; step
 * threads only hand back outcomes. That keeps the scheduling free of locks and lets the progress
 * listener be called from one thread, in order, so a command stream can write to it directly.
 */
package io.clusteragent.helm.stacks;
