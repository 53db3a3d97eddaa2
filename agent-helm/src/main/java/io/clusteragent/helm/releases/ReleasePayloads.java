package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads and validates command payloads. Everything that reaches helm's argument list passes through
 * here, so names are checked against Helm's and Kubernetes' own rules ({@link Names}) rather than
 * escaped.
 */
final class ReleasePayloads {

  private static final Set<String> LIST_FIELDS = Set.of("namespace", "filter");
  private static final Set<String> REF_FIELDS = Set.of("namespace", "release");
  private static final Set<String> ROLLBACK_FIELDS =
      Set.of("namespace", "release", "revision", "wait");

  private static final int FILTER_MAX = 256;

  private ReleasePayloads() {}

  record ListReleases(Optional<String> namespace, Optional<String> filter) {}

  record ReleaseRef(String namespace, String release) {}

  record Rollback(ReleaseRef ref, Optional<Integer> revision, boolean waitForReady) {}

  static ListReleases listReleases(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, LIST_FIELDS);
    Optional<String> namespace = p.optionalString("namespace", Names.DNS_LABEL, "namespace");
    Optional<String> filter = p.optionalString("filter");
    if (filter.isPresent()) {
      String f = filter.get();
      if (f.length() > FILTER_MAX || f.chars().anyMatch(Character::isISOControl)) {
        throw new CommandException(
            ErrorCode.BAD_REQUEST,
            "filter must be at most " + FILTER_MAX + " printable characters");
      }
    }
    return new ListReleases(namespace, filter.filter(f -> !f.isEmpty()));
  }

  static ReleaseRef releaseRef(JsonNode payload) throws CommandException {
    return releaseRef(Payload.of(payload, REF_FIELDS));
  }

  static Rollback rollback(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, ROLLBACK_FIELDS);
    OptionalInt revision = p.optionalInt("revision", 1);
    return new Rollback(
        releaseRef(p),
        revision.isPresent() ? Optional.of(revision.getAsInt()) : Optional.empty(),
        p.optionalBoolean("wait").orElse(false));
  }

  private static ReleaseRef releaseRef(Payload p) throws CommandException {
    return new ReleaseRef(
        p.requiredString("namespace", Names.DNS_LABEL, "namespace"),
        p.requiredString("release", Names.HELM_RELEASE, "release name"));
  }
}
