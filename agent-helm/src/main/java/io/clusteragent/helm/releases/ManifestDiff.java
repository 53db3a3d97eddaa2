package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * What applying a rendered manifest would change, object by object: added, removed, changed (with
 * the JSON pointers that differ and a line diff) or unchanged. Objects are matched by kind,
 * namespace and name, and compared as data, so a re-ordering of keys or a changed comment is not a
 * change.
 */
final class ManifestDiff {

  /** One object's change. {@code paths} and {@code lines} are empty unless it changed. */
  record Change(
      String kind,
      String namespace,
      String name,
      Type type,
      List<String> paths,
      List<String> lines) {}

  enum Type {
    ADDED,
    REMOVED,
    CHANGED,
    UNCHANGED
  }

  /** Beyond this a document is reported changed without a line diff (LCS is quadratic). */
  static final int MAX_DIFF_LINES = 2000;

  private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*(#.*)?$");

  private ManifestDiff() {}

  /**
   * @param defaultNamespace the namespace of objects the chart renders without one
   */
  static List<Change> between(String deployed, String rendered, String defaultNamespace)
      throws CommandException {
    Map<String, Document> before = documents(deployed, defaultNamespace);
    Map<String, Document> after = documents(rendered, defaultNamespace);
    List<Change> changes = new ArrayList<>();
    for (Map.Entry<String, Document> entry : after.entrySet()) {
      Document now = entry.getValue();
      Document then = before.get(entry.getKey());
      if (then == null) {
        changes.add(now.change(Type.ADDED, List.of(), List.of()));
      } else if (Objects.equals(then.data, now.data)) {
        changes.add(now.change(Type.UNCHANGED, List.of(), List.of()));
      } else {
        List<String> paths = new ArrayList<>(new TreeSet<>(changedPaths("", then.data, now.data)));
        changes.add(now.change(Type.CHANGED, paths, lineDiff(then.text, now.text)));
      }
    }
    for (Map.Entry<String, Document> entry : before.entrySet()) {
      if (!after.containsKey(entry.getKey())) {
        changes.add(entry.getValue().change(Type.REMOVED, List.of(), List.of()));
      }
    }
    return changes;
  }

  /** JSON pointers (RFC 6901) at which {@code a} and {@code b} differ, as deep as they both go. */
  static List<String> changedPaths(String at, JsonNode a, JsonNode b) {
    List<String> paths = new ArrayList<>();
    if (a != null && b != null && a.isObject() && b.isObject()) {
      TreeSet<String> keys = new TreeSet<>(a.propertyNames());
      keys.addAll(b.propertyNames());
      for (String key : keys) {
        if (!Objects.equals(a.get(key), b.get(key))) {
          paths.addAll(changedPaths(at + "/" + escape(key), a.get(key), b.get(key)));
        }
      }
    } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        if (!Objects.equals(a.get(i), b.get(i))) {
          paths.addAll(changedPaths(at + "/" + i, a.get(i), b.get(i)));
        }
      }
    } else if (!Objects.equals(a, b)) {
      paths.add(at.isEmpty() ? "/" : at);
    }
    return paths;
  }

  /** A minimal line diff: "-" removed, "+" added, unchanged lines left out. */
  static List<String> lineDiff(String before, String after) {
    String[] a = before.split("\n", -1);
    String[] b = after.split("\n", -1);
    if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
      return List.of("(too large for a line diff: " + a.length + " → " + b.length + " lines)");
    }
    int[][] common = new int[a.length + 1][b.length + 1];
    for (int i = a.length - 1; i >= 0; i--) {
      for (int j = b.length - 1; j >= 0; j--) {
        common[i][j] =
            a[i].equals(b[j])
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> lines = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.length && j < b.length) {
      if (a[i].equals(b[j])) {
        i++;
        j++;
      } else if (common[i + 1][j] >= common[i][j + 1]) {
        lines.add("-" + a[i++]);
      } else {
        lines.add("+" + b[j++]);
      }
    }
    while (i < a.length) {
      lines.add("-" + a[i++]);
    }
    while (j < b.length) {
      lines.add("+" + b[j++]);
    }
    return lines;
  }

  private record Document(String kind, String namespace, String name, JsonNode data, String text) {
    Change change(Type type, List<String> paths, List<String> lines) {
      return new Change(kind, namespace, name, type, paths, lines);
    }
  }

  private static Map<String, Document> documents(String manifest, String defaultNamespace)
      throws CommandException {
    Map<String, Document> documents = new LinkedHashMap<>();
    if (manifest == null || manifest.isBlank()) {
      return documents;
    }
    for (String text : SEPARATOR.split(manifest)) {
      List<JsonNode> parsed = YamlDocuments.loadAll(text);
      if (parsed.isEmpty() || !parsed.getFirst().isObject()) {
        continue;
      }
      JsonNode object = parsed.getFirst();
      JsonNode meta = object.path("metadata");
      String kind = object.path("kind").asString("");
      String name = meta.path("name").asString("");
      String namespace = meta.path("namespace").asString(defaultNamespace);
      documents.put(
          kind + "/" + namespace + "/" + name,
          new Document(kind, namespace, name, object, withoutComments(text)));
    }
    return documents;
  }

  /** helm's "# Source: chart/templates/x.yaml" lines say where, not what: not part of a diff. */
  private static String withoutComments(String text) {
    StringBuilder kept = new StringBuilder();
    for (String line : text.strip().split("\n")) {
      if (!line.startsWith("#")) {
        kept.append(line).append('\n');
      }
    }
    return kept.toString().strip();
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
