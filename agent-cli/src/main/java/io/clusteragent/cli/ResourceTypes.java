package io.clusteragent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * The resource types an agent serves (its {@code api.resources} answer), and how a person names one
 * on the command line the way kubectl takes it: plural, singular, short name or kind, any case,
 * optionally qualified by its group ({@code deployments.apps}, {@code deploy}, {@code Pod}).
 */
record ResourceTypes(List<Type> types) {

  record Type(
      String group,
      String version,
      String resource,
      String kind,
      boolean namespaced,
      String singular,
      List<String> shortNames) {

    /** {@code v1} or {@code apps/v1}. */
    String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    /** How {@code -o name} and messages name the type: {@code pod}, {@code deployment.apps}. */
    String qualifiedKind() {
      String lower = kind.toLowerCase(Locale.ROOT);
      return group.isEmpty() ? lower : lower + "." + group;
    }
  }

  static ResourceTypes from(JsonNode answer) {
    List<Type> types = new ArrayList<>();
    for (JsonNode r : answer.path("resources")) {
      List<String> shortNames = new ArrayList<>();
      r.path("shortNames").forEach(s -> shortNames.add(s.asString()));
      types.add(
          new Type(
              r.path("group").asString(""),
              r.path("version").asString(""),
              r.path("resource").asString(""),
              r.path("kind").asString(""),
              r.path("namespaced").asBoolean(),
              r.path("singular").asString(""),
              List.copyOf(shortNames)));
    }
    return new ResourceTypes(List.copyOf(types));
  }

  /**
   * The one type {@code name} means. The core group wins a name several groups serve (events), as
   * in kubectl.
   *
   * @throws IllegalArgumentException naming what the agent serves when nothing matches
   */
  Type resolve(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    String group = null;
    int dot = wanted.indexOf('.');
    if (dot > 0) {
      group = wanted.substring(dot + 1);
      wanted = wanted.substring(0, dot);
    }
    Type best = null;
    for (Type type : types) {
      if (group != null && !type.group().equals(group)) {
        continue;
      }
      if (type.resource().equals(wanted)
          || type.singular().equals(wanted)
          || type.kind().toLowerCase(Locale.ROOT).equals(wanted)
          || type.shortNames().contains(wanted)) {
        if (best == null || (type.group().isEmpty() && !best.group().isEmpty())) {
          best = type;
        }
      }
    }
    if (best == null) {
      throw new IllegalArgumentException(
          "the agent serves no resource type \""
              + name
              + "\" (agentctl api-resources lists what it serves)");
    }
    return best;
  }
}
