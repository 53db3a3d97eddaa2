package io.clusteragent.helm.drift;

import java.util.List;
import java.util.Optional;

/**
 * Argo CD's {@code ignoreDifferences} with {@code jsonPointers}: fields drift detection leaves out,
 * for every object or only for those of one kind and/or name. A pointer covers the field and
 * everything below it, so {@code /spec/template/metadata/annotations} ignores every annotation
 * there.
 */
public record IgnoreRule(Optional<String> kind, Optional<String> name, List<String> jsonPointers) {

  public IgnoreRule {
    jsonPointers = List.copyOf(jsonPointers);
  }

  /** Whether this rule leaves {@code path} of the object {@code kind}/{@code objectName} out. */
  public boolean ignores(String objectKind, String objectName, String path) {
    if (kind.isPresent() && !kind.get().equals(objectKind)) {
      return false;
    }
    if (name.isPresent() && !name.get().equals(objectName)) {
      return false;
    }
    for (String pointer : jsonPointers) {
      // on a segment boundary: /spec/replicas must not cover /spec/replicasOverride
      if (path.equals(pointer) || path.startsWith(pointer + "/")) {
        return true;
      }
    }
    return false;
  }
}
