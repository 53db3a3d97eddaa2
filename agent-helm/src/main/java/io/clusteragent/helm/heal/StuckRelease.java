package io.clusteragent.helm.heal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A release whose newest revision is in a pending state: helm wrote it before applying and never
 * got to write the outcome (the process was killed, the node went away). Whether it is stuck, not
 * merely busy, depends on how long ago that was.
 */
record StuckRelease(String namespace, String name, int revision, String status, Instant since) {

  static final Set<String> PENDING =
      Set.of("pending-install", "pending-upgrade", "pending-rollback");

  /** One entry of {@code helm list -o json}; empty when it is not a pending release we can read. */
  static Optional<StuckRelease> fromListEntry(JsonNode entry) {
    String status = entry.path("status").asString("");
    if (!PENDING.contains(status)) {
      return Optional.empty();
    }
    String namespace = entry.path("namespace").asString("");
    String name = entry.path("name").asString("");
    // helm list prints the revision as a string, helm history as a number
    int revision;
    try {
      revision = Integer.parseInt(entry.path("revision").asString(""));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (namespace.isEmpty() || name.isEmpty()) {
      return Optional.empty();
    }
    return HelmTimestamps.parse(entry.path("updated").asString(""))
        .map(since -> new StuckRelease(namespace, name, revision, status, since));
  }

  boolean stuckLongerThan(Duration stuckAfter, Instant now) {
    return since.plus(stuckAfter).isBefore(now);
  }

  String key() {
    return namespace + "/" + name;
  }

  /** The Secret in which helm keeps {@code revision} of this release. */
  String releaseSecret(int ofRevision) {
    return "sh.helm.release.v1." + name + ".v" + ofRevision;
  }
}
