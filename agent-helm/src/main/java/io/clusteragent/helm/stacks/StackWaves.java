package io.clusteragent.helm.stacks;

import static io.clusteragent.helm.stacks.StackParser.badRequest;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Several stacks ordered by {@code deploy_wave}: every stack of a wave starts only when every stack
 * of all lower waves is in place, and teardown runs the waves the other way round. Stacks of one
 * wave do not wait for each other.
 *
 * @param waves lowest wave first; each wave's stacks in the order they were given
 */
public record StackWaves(List<Wave> waves) {

  /** The stacks sharing one {@code deploy_wave}. */
  public record Wave(int deployWave, List<StackPlan> stacks) {
    public Wave {
      stacks = List.copyOf(stacks);
    }
  }

  public StackWaves {
    waves = List.copyOf(waves);
  }

  /**
   * Plans every stack and groups them by wave. Stack names, manifest names and add-on names must
   * each be unique across all the stacks, as the documented format has them unique within the
   * cluster: two stacks installing the same release would take turns overwriting it.
   *
   * @throws CommandException BAD_REQUEST naming the field ({@code stacks[1].addons[0].name: ...}),
   *     including any error of {@link StackPlan#of}
   */
  public static StackWaves of(List<StackDefinition> stacks, StackLimits limits)
      throws CommandException {
    Objects.requireNonNull(stacks, "stacks");
    if (stacks.size() > limits.maxStacks()) {
      throw badRequest(
          "at most " + limits.maxStacks() + " stacks are accepted at once; got " + stacks.size());
    }
    Map<String, String> stackNames = new HashMap<>();
    Map<NodeRef, String> nodeOwners = new HashMap<>();
    TreeMap<Integer, List<StackPlan>> byWave = new TreeMap<>();
    for (int i = 0; i < stacks.size(); i++) {
      StackDefinition stack = stacks.get(i);
      String prefix = "stacks[" + i + "]";
      String earlier = stackNames.putIfAbsent(stack.name(), prefix);
      if (earlier != null) {
        throw badRequest(
            prefix
                + ".name: stack \""
                + stack.name()
                + "\" is defined twice (first at "
                + earlier
                + ")");
      }
      StackPlan plan;
      try {
        plan = StackPlan.of(stack);
      } catch (CommandException e) {
        throw new CommandException(e.code(), prefix + "." + e.getMessage(), e);
      }
      List<StackNode> nodes = stack.nodes();
      for (int n = 0; n < nodes.size(); n++) {
        StackNode node = nodes.get(n);
        String owner = nodeOwners.putIfAbsent(node.ref(), stack.name());
        if (owner != null) {
          String path =
              n < stack.manifests().size()
                  ? "manifests[" + n + "]"
                  : "addons[" + (n - stack.manifests().size()) + "]";
          throw new CommandException(
              ErrorCode.BAD_REQUEST,
              prefix
                  + "."
                  + path
                  + ".name: "
                  + node.ref()
                  + " is already defined in stack \""
                  + owner
                  + "\"");
        }
      }
      byWave.computeIfAbsent(stack.deployWave(), w -> new ArrayList<>()).add(plan);
    }
    List<Wave> waves = new ArrayList<>();
    byWave.forEach((wave, plans) -> waves.add(new Wave(wave, plans)));
    return new StackWaves(waves);
  }

  /** Lowest wave first. */
  public List<Wave> installOrder() {
    return waves;
  }

  /** Highest wave first: what was deployed last goes first. */
  public List<Wave> teardownOrder() {
    return waves.reversed();
  }
}
