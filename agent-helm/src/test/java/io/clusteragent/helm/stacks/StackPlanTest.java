package io.clusteragent.helm.stacks;

import static io.clusteragent.helm.stacks.StackFixtures.a;
import static io.clusteragent.helm.stacks.StackFixtures.addon;
import static io.clusteragent.helm.stacks.StackFixtures.m;
import static io.clusteragent.helm.stacks.StackFixtures.manifest;
import static io.clusteragent.helm.stacks.StackFixtures.stack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackPlanTest {

  @Test
  void installsEveryNodeAfterItsParentsAndDeletesInReverse() throws CommandException {
    // namespace -> crds -> operator -> instance, plus a config that only needs the namespace
    StackDefinition definition =
        stack(
            "platform",
            0,
            List.of(
                manifest("instance", a("operator")),
                manifest("namespace"),
                manifest("crds", m("namespace")),
                manifest("config", m("namespace"))),
            List.of(addon("operator", m("crds"), m("config"))));

    StackPlan plan = StackPlan.of(definition);

    assertThat(plan.installOrder())
        .extracting(StackNode::ref)
        .containsExactly(m("namespace"), m("crds"), m("config"), a("operator"), m("instance"));
    assertThat(plan.deleteOrder())
        .extracting(StackNode::ref)
        .containsExactly(m("instance"), a("operator"), m("config"), m("crds"), m("namespace"));
    assertEveryNodeAfterItsParents(plan);
    assertThat(plan.parentsOf(a("operator"))).containsExactly(m("crds"), m("config"));
    assertThat(plan.childrenOf(m("namespace"))).containsExactly(m("crds"), m("config"));
    assertThat(plan.nodes()).extracting(StackNode::ref).startsWith(m("instance"));
  }

  @Test
  void keepsDocumentOrderAmongIndependentNodes() throws CommandException {
    StackPlan plan =
        StackPlan.of(stack("flat", 0, List.of(manifest("c"), manifest("a")), List.of(addon("b"))));

    assertThat(plan.installOrder()).extracting(StackNode::name).containsExactly("c", "a", "b");
  }

  @Test
  void aManifestAndAnAddonMayShareANameAndAParentListedTwiceIsOneEdge() throws CommandException {
    StackPlan plan =
        StackPlan.of(
            stack(
                "shared",
                0,
                List.of(manifest("redis")),
                List.of(addon("redis", m("redis"), m("redis")))));

    assertThat(plan.parentsOf(a("redis"))).containsExactly(m("redis"));
    assertThat(plan.installOrder())
        .extracting(StackNode::ref)
        .containsExactly(m("redis"), a("redis"));
  }

  @Test
  void refusesAParentThatIsNotInTheStack() throws Exception {
    StackDefinition parsed =
        new StackParser(StackLimits.DEFAULTS)
            .parse(
                """
                name: missing
                addons:
                  - {name: a, chart_name: a, chart_version: 1.0.0,
                     registry_url: "https://charts.example.com", namespace: default}
                  - {name: b, chart_name: b, chart_version: 1.0.0,
                     registry_url: "https://charts.example.com", namespace: default}
                  - {name: c, chart_name: c, chart_version: 1.0.0,
                     registry_url: "https://charts.example.com", namespace: default,
                     parents: [{addon: x}]}
                """);

    assertRefused(parsed, "addons[2].parents[0]: unknown addon \"x\"");
    assertRefused(
        stack("missing", List.of(manifest("a"), manifest("b", m("a"), a("a")))),
        "manifests[1].parents[1]: unknown addon \"a\"");
  }

  @Test
  void refusesANodeThatIsItsOwnParent() {
    assertRefused(
        stack("self", 0, List.of(manifest("ns")), List.of(addon("a", a("a")))),
        "addons[0].parents form a cycle: addon \"a\" -> addon \"a\"");
  }

  @Test
  void refusesATwoCycle() {
    assertRefused(
        stack("two", List.of(manifest("a", m("b")), manifest("b", m("a")))),
        "manifests[0].parents form a cycle: manifest \"a\" -> manifest \"b\" -> manifest \"a\"");
  }

  @Test
  void refusesAThreeCycleNamingOnlyTheNodesOnIt() {
    // "root" waits for the cycle but is not on it, so the message leaves it out
    StackDefinition definition =
        stack(
            "three",
            0,
            List.of(manifest("root", a("x")), manifest("ns"), manifest("z", a("x"))),
            List.of(addon("x", a("y"), m("ns")), addon("y", m("z")), addon("w")));

    assertRefused(
        definition,
        "addons[0].parents form a cycle: addon \"x\" -> addon \"y\" -> manifest \"z\" -> addon"
            + " \"x\"");
  }

  @Test
  void refusesANameUsedTwice() {
    assertRefused(
        stack("dup", List.of(manifest("a"), manifest("b"), manifest("a"))),
        "manifests[2].name: manifest \"a\" is defined twice (first at manifests[0])");
    assertRefused(
        stack("dup", 0, List.of(), List.of(addon("a"), addon("a"))),
        "addons[1].name: addon \"a\" is defined twice (first at addons[0])");
  }

  @Test
  void anEmptyStackHasAnEmptyPlan() throws CommandException {
    StackPlan plan = StackPlan.of(stack("empty", List.of()));

    assertThat(plan.installOrder()).isEmpty();
    assertThat(plan.deleteOrder()).isEmpty();
  }

  private static void assertEveryNodeAfterItsParents(StackPlan plan) {
    List<NodeRef> order = plan.installOrder().stream().map(StackNode::ref).toList();
    for (StackNode node : plan.installOrder()) {
      for (NodeRef parent : plan.parentsOf(node.ref())) {
        assertThat(order.indexOf(parent))
            .as("%s before %s", parent, node.ref())
            .isLessThan(order.indexOf(node.ref()));
      }
    }
  }

  private static void assertRefused(StackDefinition definition, String message) {
    assertThatThrownBy(() -> StackPlan.of(definition))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
        .hasMessage(message);
  }
}
