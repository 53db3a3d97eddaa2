package io.clusteragent.helm.stacks;

import static io.clusteragent.helm.stacks.StackParser.badRequest;

import io.clusteragent.protocol.CommandException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A stack whose {@code parents} are known to form a DAG over nodes that exist, with the order to
 * install it in (every node after all its parents) and to delete it in (the reverse). Building one
 * is the check: duplicate names, a parent that is not in the stack and cycles are refused here with
 * the path of the field at fault, because only here are all the nodes known at once.
 *
 * <p>Among nodes that could go next, the one earlier in the document goes first, so the order is
 * the same on every run and reads like the document.
 */
public final class StackPlan {

  private final StackDefinition stack;
  private final Map<NodeRef, StackNode> nodes;
  private final Map<NodeRef, List<NodeRef>> parents;
  private final Map<NodeRef, List<NodeRef>> children;
  private final List<StackNode> installOrder;

  private StackPlan(
      StackDefinition stack,
      Map<NodeRef, StackNode> nodes,
      Map<NodeRef, List<NodeRef>> parents,
      Map<NodeRef, List<NodeRef>> children,
      List<StackNode> installOrder) {
    this.stack = stack;
    this.nodes = nodes;
    this.parents = parents;
    this.children = children;
    this.installOrder = installOrder;
  }

  /**
   * @throws CommandException BAD_REQUEST naming the field: a name used twice, a parent that is not
   *     in the stack, or a cycle ({@code addons[0].parents form a cycle: addon "a" -> addon "b" ->
   *     addon "a"}, read "a waits for b, which waits for a")
   */
  public static StackPlan of(StackDefinition stack) throws CommandException {
    Objects.requireNonNull(stack, "stack");
    List<StackNode> all = stack.nodes();
    Map<NodeRef, StackNode> nodes = new LinkedHashMap<>();
    Map<NodeRef, String> paths = new HashMap<>();
    for (int i = 0; i < all.size(); i++) {
      StackNode node = all.get(i);
      String path = path(stack, i);
      String earlier = paths.putIfAbsent(node.ref(), path);
      if (earlier != null) {
        throw badRequest(
            path + ".name: " + node.ref() + " is defined twice (first at " + earlier + ")");
      }
      nodes.put(node.ref(), node);
    }
    Map<NodeRef, List<NodeRef>> parents = new LinkedHashMap<>();
    Map<NodeRef, List<NodeRef>> children = new LinkedHashMap<>();
    for (NodeRef ref : nodes.keySet()) {
      children.put(ref, new ArrayList<>());
    }
    for (StackNode node : all) {
      List<NodeRef> written = node.parents();
      for (int j = 0; j < written.size(); j++) {
        if (!nodes.containsKey(written.get(j))) {
          throw badRequest(
              paths.get(node.ref()) + ".parents[" + j + "]: unknown " + written.get(j));
        }
      }
      // a parent listed twice is one edge: it changes nothing about the order
      List<NodeRef> distinct = List.copyOf(new LinkedHashSet<>(written));
      parents.put(node.ref(), distinct);
      for (NodeRef parent : distinct) {
        children.get(parent).add(node.ref());
      }
    }
    refuseCycles(nodes, parents, paths);
    children.replaceAll((ref, list) -> List.copyOf(list));
    return new StackPlan(
        stack,
        Collections.unmodifiableMap(nodes),
        Collections.unmodifiableMap(parents),
        Collections.unmodifiableMap(children),
        installOrder(all, parents, children));
  }

  public StackDefinition stack() {
    return stack;
  }

  /** Every node in document order: the manifests, then the add-ons. */
  public List<StackNode> nodes() {
    return List.copyOf(nodes.values());
  }

  /** Every node after all its parents. */
  public List<StackNode> installOrder() {
    return installOrder;
  }

  /** Every node after all nodes that name it as a parent: the install order reversed. */
  public List<StackNode> deleteOrder() {
    return installOrder.reversed();
  }

  public StackNode node(NodeRef ref) {
    StackNode node = nodes.get(ref);
    if (node == null) {
      throw new IllegalArgumentException(ref + " is not in stack " + stack.name());
    }
    return node;
  }

  /** The nodes {@code ref} waits for on install, each once. */
  public List<NodeRef> parentsOf(NodeRef ref) {
    node(ref);
    return parents.get(ref);
  }

  /** The nodes that wait for {@code ref} on install (and that it waits for on delete). */
  public List<NodeRef> childrenOf(NodeRef ref) {
    node(ref);
    return children.get(ref);
  }

  private static String path(StackDefinition stack, int index) {
    int manifests = stack.manifests().size();
    return index < manifests ? "manifests[" + index + "]" : "addons[" + (index - manifests) + "]";
  }

  /**
   * Depth-first along parent edges; meeting a node that is still on the path closes a cycle, and
   * the path from there is the cycle to report. Starting from the nodes in document order makes the
   * report name the same cycle every time.
   */
  private static void refuseCycles(
      Map<NodeRef, StackNode> nodes,
      Map<NodeRef, List<NodeRef>> parents,
      Map<NodeRef, String> paths)
      throws CommandException {
    Set<NodeRef> done = new HashSet<>();
    for (NodeRef start : nodes.keySet()) {
      if (done.contains(start)) {
        continue;
      }
      // an explicit stack: a stack of 250 nodes recursing is fine, but nothing here needs recursion
      List<NodeRef> path = new ArrayList<>();
      List<Integer> next = new ArrayList<>();
      Set<NodeRef> onPath = new HashSet<>();
      path.add(start);
      next.add(0);
      onPath.add(start);
      while (!path.isEmpty()) {
        int top = path.size() - 1;
        NodeRef node = path.get(top);
        List<NodeRef> edges = parents.get(node);
        int i = next.get(top);
        if (i == edges.size()) {
          done.add(node);
          onPath.remove(node);
          path.remove(top);
          next.remove(top);
          continue;
        }
        next.set(top, i + 1);
        NodeRef parent = edges.get(i);
        if (onPath.contains(parent)) {
          List<NodeRef> cycle = new ArrayList<>(path.subList(path.indexOf(parent), path.size()));
          cycle.add(parent);
          StringBuilder text = new StringBuilder();
          for (NodeRef ref : cycle) {
            text.append(text.isEmpty() ? "" : " -> ").append(ref);
          }
          throw badRequest(paths.get(parent) + ".parents form a cycle: " + text);
        }
        if (!done.contains(parent)) {
          path.add(parent);
          next.add(0);
          onPath.add(parent);
        }
      }
    }
  }

  /** Kahn's algorithm, taking the ready node earliest in the document each time. */
  private static List<StackNode> installOrder(
      List<StackNode> all,
      Map<NodeRef, List<NodeRef>> parents,
      Map<NodeRef, List<NodeRef>> children) {
    Map<NodeRef, Integer> position = new HashMap<>();
    Map<NodeRef, Integer> waiting = new HashMap<>();
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < all.size(); i++) {
      NodeRef ref = all.get(i).ref();
      position.put(ref, i);
      waiting.put(ref, parents.get(ref).size());
      if (parents.get(ref).isEmpty()) {
        ready.add(i);
      }
    }
    List<StackNode> order = new ArrayList<>(all.size());
    while (!ready.isEmpty()) {
      StackNode node = all.get(ready.poll());
      order.add(node);
      for (NodeRef child : children.get(node.ref())) {
        if (waiting.merge(child, -1, Integer::sum) == 0) {
          ready.add(position.get(child));
        }
      }
    }
    return List.copyOf(order);
  }
}
