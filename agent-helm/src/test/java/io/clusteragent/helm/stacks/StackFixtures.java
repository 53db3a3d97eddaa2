package io.clusteragent.helm.stacks;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Stacks built in code, for tests that are about order and running rather than parsing. */
final class StackFixtures {

  private StackFixtures() {}

  static ManifestDefinition manifest(String name, NodeRef... parents) {
    return new ManifestDefinition(
        name,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n",
        Arrays.asList(parents),
        false,
        false);
  }

  static AddonDefinition addon(String name, NodeRef... parents) {
    return new AddonDefinition(
        name,
        name,
        "1.0.0",
        "https://charts.example.com",
        Optional.empty(),
        "default",
        "",
        Arrays.asList(parents),
        AddonSettings.DEFAULTS,
        Engine.ANKRA_NATIVE);
  }

  static StackDefinition stack(
      String name, int wave, List<ManifestDefinition> manifests, List<AddonDefinition> addons) {
    return new StackDefinition(name, wave, Engine.ANKRA_NATIVE, manifests, addons);
  }

  static StackDefinition stack(String name, List<ManifestDefinition> manifests) {
    return stack(name, 0, manifests, List.of());
  }

  static NodeRef m(String name) {
    return NodeRef.manifest(name);
  }

  static NodeRef a(String name) {
    return NodeRef.addon(name);
  }
}
