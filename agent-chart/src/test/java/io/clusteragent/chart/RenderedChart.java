package io.clusteragent.chart;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The objects one helm template run produced. */
record RenderedChart(List<Map<String, Object>> objects) {

  /** "Kind/name" of every object, e.g. "Deployment/ankra-agent". */
  Set<String> kindsAndNames() {
    return objects.stream()
        .map(o -> o.get("kind") + "/" + Yamls.at(o, "metadata.name"))
        .collect(Collectors.toSet());
  }

  Map<String, Object> get(String kind, String name) {
    List<Map<String, Object>> matches =
        objects.stream()
            .filter(o -> kind.equals(o.get("kind")) && name.equals(Yamls.at(o, "metadata.name")))
            .toList();
    if (matches.size() != 1) {
      throw new AssertionError(
          "expected exactly one " + kind + "/" + name + ", rendered: " + kindsAndNames());
    }
    return matches.getFirst();
  }

  boolean has(String kind) {
    return objects.stream().anyMatch(o -> kind.equals(o.get("kind")));
  }

  Map<String, Object> deployment() {
    return get("Deployment", "ankra-agent");
  }

  Map<String, Object> podSpec() {
    return Yamls.mapAt(deployment(), "spec.template.spec");
  }

  Map<String, Object> agentContainer() {
    return Yamls.mapAt(deployment(), "spec.template.spec.containers[0]");
  }

  /** The container's env as name to literal value; entries with valueFrom map to null. */
  Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> entry : Yamls.listAt(agentContainer(), "env")) {
      Object value = entry.get("value");
      env.put((String) entry.get("name"), value == null ? null : value.toString());
    }
    return env;
  }

  List<String> envNames() {
    return Yamls.listAt(agentContainer(), "env").stream().map(e -> (String) e.get("name")).toList();
  }

  String podAnnotation(String name) {
    Map<String, Object> annotations =
        Yamls.mapAt(deployment(), "spec.template.metadata.annotations");
    return annotations == null ? null : (String) annotations.get(name);
  }
}
