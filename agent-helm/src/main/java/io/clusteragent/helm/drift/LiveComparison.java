package io.clusteragent.helm.drift;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where a live object differs from what the release's manifest rendered for it, looking only at the
 * fields the manifest sets. A live object carries much the chart never wrote (defaults, {@code
 * status}, {@code managedFields}, {@code resourceVersion}, fields other controllers own), so a
 * whole-object comparison would call every object drifted; Argo CD's diff also ignores fields the
 * desired state does not name.
 *
 * <p>Rules, each because the API server stores a manifest that way, not because they are pretty:
 *
 * <ul>
 *   <li>every leaf of the rendered object must equal the live value at the same JSON pointer (RFC
 *       6901); an object in the manifest is compared key by key, a list element by element, and a
 *       list of another length is one drift at the list's own pointer;
 *   <li>numbers are equal when their values are ({@code 1}, {@code 1.0}); a number in the manifest
 *       equals a string holding the same number, because the API server stores quantities as
 *       strings ({@code cpu: 1} reads back {@code "1"}). Quantities are otherwise compared as
 *       strings: {@code 0.5} and {@code "500m"}, or {@code 1024Mi} and {@code "1Gi"}, differ;
 *   <li>a {@code null} leaf sets nothing, and a zero value ({@code ""}, {@code 0}, {@code false},
 *       {@code []}) equals a field the live object leaves out: the API server drops both;
 *   <li>the metadata Helm writes itself when it applies (annotations {@code
 *       meta.helm.sh/release-name} and {@code meta.helm.sh/release-namespace}, label {@code
 *       app.kubernetes.io/managed-by}) is not compared, whatever the chart says about it;
 *   <li>a core Secret's {@code stringData} is compared as the {@code data} the API server turns it
 *       into.
 * </ul>
 */
final class LiveComparison {

  /** What Helm sets on every object it applies, overriding the chart: never drift. */
  static final String RELEASE_NAME_ANNOTATION = "meta.helm.sh/release-name";

  static final String RELEASE_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  private LiveComparison() {}

  /**
   * The JSON pointers, sorted, at which {@code live} does not hold what {@code rendered} sets.
   *
   * @param ignored pointers left out (the caller's ignore rules)
   */
  static List<String> driftedPaths(JsonNode rendered, JsonNode live, Predicate<String> ignored) {
    TreeSet<String> paths = new TreeSet<>();
    compare("", normalized(rendered), live, ignored, paths);
    return List.copyOf(paths);
  }

  private static void compare(
      String at, JsonNode want, JsonNode have, Predicate<String> ignored, TreeSet<String> paths) {
    if (want == null || want.isNull() || (!at.isEmpty() && ignored.test(at))) {
      return;
    }
    boolean absent = have == null || have.isNull() || have.isMissingNode();
    if (want.isObject()) {
      if (!absent && !have.isObject()) {
        paths.add(pointer(at));
        return;
      }
      for (Map.Entry<String, JsonNode> field : want.properties()) {
        compare(
            at + "/" + escape(field.getKey()),
            field.getValue(),
            absent ? null : have.get(field.getKey()),
            ignored,
            paths);
      }
    } else if (want.isArray()) {
      if (absent && want.isEmpty()) {
        return;
      }
      if (absent || !have.isArray() || have.size() != want.size()) {
        paths.add(pointer(at));
        return;
      }
      for (int i = 0; i < want.size(); i++) {
        compare(at + "/" + i, want.get(i), have.get(i), ignored, paths);
      }
    } else if (absent ? !isZero(want) : !sameScalar(want, have)) {
      paths.add(pointer(at));
    }
  }

  private static boolean sameScalar(JsonNode want, JsonNode have) {
    if (want.isNumber() && have.isNumber()) {
      return want.decimalValue().compareTo(have.decimalValue()) == 0;
    }
    if (want.isNumber() && have.isString()) {
      try {
        return want.decimalValue().compareTo(new BigDecimal(have.asString())) == 0;
      } catch (NumberFormatException notANumber) {
        return false;
      }
    }
    return want.equals(have);
  }

  private static boolean isZero(JsonNode value) {
    return (value.isString() && value.asString().isEmpty())
        || (value.isBoolean() && !value.booleanValue())
        || (value.isNumber() && value.decimalValue().signum() == 0);
  }

  /** The rendered object as the API server would store it, without Helm's own metadata. */
  private static JsonNode normalized(JsonNode rendered) {
    if (!rendered.isObject()) {
      return rendered;
    }
    ObjectNode copy = ((ObjectNode) rendered).deepCopy();
    if (copy.path("metadata").path("annotations") instanceof ObjectNode annotations) {
      annotations.remove(RELEASE_NAME_ANNOTATION);
      annotations.remove(RELEASE_NAMESPACE_ANNOTATION);
    }
    if (copy.path("metadata").path("labels") instanceof ObjectNode labels) {
      labels.remove(MANAGED_BY_LABEL);
    }
    if ("v1".equals(copy.path("apiVersion").asString(""))
        && "Secret".equals(copy.path("kind").asString(""))
        && copy.get("stringData") instanceof ObjectNode stringData) {
      // the API server merges stringData into data (base64) and stores no stringData
      ObjectNode data =
          copy.get("data") instanceof ObjectNode existing ? existing : copy.putObject("data");
      for (Map.Entry<String, JsonNode> entry : stringData.properties()) {
        if (entry.getValue().isString()) {
          data.put(
              entry.getKey(),
              Base64.getEncoder()
                  .encodeToString(entry.getValue().asString().getBytes(StandardCharsets.UTF_8)));
        }
      }
      copy.remove("stringData");
    }
    return copy;
  }

  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static String pointer(String at) {
    return at.isEmpty() ? "/" : at;
  }

  /** For tests and callers that want every difference: nothing ignored. */
  static List<String> driftedPaths(JsonNode rendered, JsonNode live) {
    return driftedPaths(rendered, live, path -> false);
  }
}
