package io.clusteragent.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Parsing and navigating plain YAML trees (maps, lists, scalars) as SnakeYAML returns them. */
final class Yamls {

  private Yamls() {}

  static Yaml parser() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  /** All non-empty documents of a multi-document stream, each a map. */
  static List<Map<String, Object>> loadAll(String yaml) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : parser().loadAll(yaml)) {
      if (document != null) {
        documents.add(asMap(document));
      }
    }
    return documents;
  }

  static Map<String, Object> load(String yaml) {
    return asMap(parser().load(yaml));
  }

  /**
   * Follows a dotted path; a segment "name[i]" indexes a list. Returns null when any step is
   * missing, so assertions can check for absence.
   */
  static Object at(Object root, String path) {
    Object current = root;
    for (String segment : path.split("\\.")) {
      if (current == null) {
        return null;
      }
      int bracket = segment.indexOf('[');
      String key = bracket < 0 ? segment : segment.substring(0, bracket);
      if (!key.isEmpty()) {
        if (!(current instanceof Map<?, ?> map)) {
          return null;
        }
        current = map.get(key);
      }
      if (bracket >= 0) {
        int index = Integer.parseInt(segment.substring(bracket + 1, segment.indexOf(']')));
        if (!(current instanceof List<?> list) || index >= list.size()) {
          return null;
        }
        current = list.get(index);
      }
    }
    return current;
  }

  static Map<String, Object> mapAt(Object root, String path) {
    Object value = at(root, path);
    return value == null ? null : asMap(value);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> listAt(Object root, String path) {
    Object value = at(root, path);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?>)) {
      throw new IllegalArgumentException(path + " is not a list: " + value);
    }
    return (List<Map<String, Object>>) value;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> asMap(Object value) {
    if (!(value instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("not a mapping: " + value);
    }
    return (Map<String, Object>) value;
  }

  /**
   * Leaf paths of a values tree in file order: nested maps are descended into, lists and empty maps
   * are leaves (extra_env: []), as the documented values table lists them.
   */
  static Map<String, Object> flatten(Map<String, Object> tree) {
    Map<String, Object> leaves = new LinkedHashMap<>();
    flattenInto("", tree, leaves);
    return leaves;
  }

  private static void flattenInto(
      String prefix, Map<String, Object> tree, Map<String, Object> leaves) {
    tree.forEach((key, value) -> {
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      if (value instanceof Map<?, ?> map && !map.isEmpty()) {
        flattenInto(path, asMap(map), leaves);
      } else {
        leaves.put(path, value);
      }
    });
  }

  /**
   * A default as the documentation writes it: "" for the empty string, [] for an empty list, [A, B]
   * for a list of scalars, the plain text otherwise.
   */
  static String documentedForm(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String text) {
      return text.isEmpty() ? "\"\"" : text;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(Yamls::documentedForm).collect(Collectors.joining(", ", "[", "]"));
    }
    if (value instanceof Map<?, ?> map && map.isEmpty()) {
      return "{}";
    }
    return String.valueOf(value);
  }
}
