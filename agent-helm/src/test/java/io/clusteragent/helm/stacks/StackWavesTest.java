package io.clusteragent.helm.stacks;

import static io.clusteragent.helm.stacks.StackFixtures.a;
import static io.clusteragent.helm.stacks.StackFixtures.addon;
import static io.clusteragent.helm.stacks.StackFixtures.manifest;
import static io.clusteragent.helm.stacks.StackFixtures.stack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackWavesTest {

  @Test
  void ordersStacksByWaveAndTearsDownTheOtherWayRound() throws CommandException {
    StackWaves waves =
        StackWaves.of(
            List.of(
                stack("apps", 2, List.of(manifest("apps-ns")), List.of()),
                stack("crds", -1, List.of(manifest("crds")), List.of()),
                stack("monitoring", 0, List.of(), List.of(addon("prometheus"))),
                stack("ingress", 0, List.of(), List.of(addon("nginx")))),
            StackLimits.DEFAULTS);

    assertThat(waves.installOrder())
        .extracting(StackWaves.Wave::deployWave)
        .containsExactly(-1, 0, 2);
    assertThat(waves.installOrder().get(1).stacks())
        .extracting(plan -> plan.stack().name())
        .as("one wave keeps the order the stacks were given in")
        .containsExactly("monitoring", "ingress");
    assertThat(waves.teardownOrder())
        .extracting(StackWaves.Wave::deployWave)
        .containsExactly(2, 0, -1);
  }

  @Test
  void refusesAStackNameOrANodeNameUsedTwice() {
    assertThatThrownBy(() ->
            StackWaves.of(
                List.of(stack("a", List.of()), stack("b", List.of()), stack("a", List.of())),
                StackLimits.DEFAULTS))
        .hasMessage("stacks[2].name: stack \"a\" is defined twice (first at stacks[0])");
    assertThatThrownBy(() ->
            StackWaves.of(
                List.of(
                    stack("one", 0, List.of(), List.of(addon("redis"))),
                    stack("two", 1, List.of(manifest("ns")), List.of(addon("redis")))),
                StackLimits.DEFAULTS))
        .hasMessage(
            "stacks[1].addons[0].name: addon \"redis\" is already defined in stack \"one\"");
  }

  @Test
  void namesTheStackOfAPlanningError() {
    assertThatThrownBy(() ->
            StackWaves.of(
                List.of(
                    stack("fine", List.of()),
                    stack("broken", 0, List.of(), List.of(addon("x", a("x"))))),
                StackLimits.DEFAULTS))
        .hasMessage("stacks[1].addons[0].parents form a cycle: addon \"x\" -> addon \"x\"");
  }

  @Test
  void refusesMoreStacksThanTheLimit() {
    assertThatThrownBy(() ->
            StackWaves.of(
                List.of(stack("a", List.of()), stack("b", List.of())),
                new StackLimits(1000, 10, 10, 1)))
        .hasMessage("at most 1 stacks are accepted at once; got 2");
  }
}
