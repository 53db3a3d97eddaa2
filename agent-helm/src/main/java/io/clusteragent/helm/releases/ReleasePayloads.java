package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads and validates command payloads. Everything that reaches helm's argument list passes
 * through here, so names are checked against Helm's and Kubernetes' own rules rather than escaped.
 */
final class ReleasePayloads {

  /** DNS-1123 label: what Kubernetes accepts as a namespace name. */
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final int NAMESPACE_MAX = 63;

  /** Helm's release name rule (DNS-1123 subdomain, at most 53 so derived object names fit). */
  private static final Pattern RELEASE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final int RELEASE_MAX = 53;

  private static final int FILTER_MAX = 256;

  private ReleasePayloads() {}

  record ListReleases(Optional<String> namespace, Optional<String> filter) {}

  record ReleaseRef(String namespace, String release) {}

  record Rollback(ReleaseRef ref, Optional<Integer> revision, boolean waitForReady) {}

  static ListReleases listReleases(JsonNode payload) throws CommandException {
    JsonNode p = object(payload);
    Optional<String> namespace = optionalString(p, "namespace");
    if (namespace.isPresent()) {
      namespace(namespace.get());
    }
    Optional<String> filter = optionalString(p, "filter");
    if (filter.isPresent()) {
      String f = filter.get();
      if (f.length() > FILTER_MAX || f.chars().anyMatch(Character::isISOControl)) {
        throw bad("filter: at most " + FILTER_MAX + " printable characters");
      }
    }
    return new ListReleases(namespace, filter.filter(f -> !f.isEmpty()));
  }

  static ReleaseRef releaseRef(JsonNode payload) throws CommandException {
    JsonNode p = object(payload);
    String namespace = optionalString(p, "namespace").orElseThrow(() -> bad("namespace is required"));
    String release = optionalString(p, "release").orElseThrow(() -> bad("release is required"));
    return new ReleaseRef(namespace(namespace), release(release));
  }

  static Rollback rollback(JsonNode payload) throws CommandException {
    ReleaseRef ref = releaseRef(payload);
    JsonNode p = object(payload);
    Optional<Integer> revision = Optional.empty();
    JsonNode r = p.get("revision");
    if (r != null && !r.isNull()) {
      if (!r.isIntegralNumber() || !r.canConvertToInt() || r.intValue() < 1) {
        throw bad("revision: an integer >= 1");
      }
      revision = Optional.of(r.intValue());
    }
    JsonNode w = p.get("wait");
    boolean wait = false;
    if (w != null && !w.isNull()) {
      if (!w.isBoolean()) {
        throw bad("wait: true or false");
      }
      wait = w.booleanValue();
    }
    return new Rollback(ref, revision, wait);
  }

  static String namespace(String value) throws CommandException {
    if (value.length() > NAMESPACE_MAX || !NAMESPACE.matcher(value).matches()) {
      throw bad("namespace: a DNS-1123 label (lowercase letters, digits, '-', at most " + NAMESPACE_MAX + " characters)");
    }
    return value;
  }

  static String release(String value) throws CommandException {
    if (value.length() > RELEASE_MAX || !RELEASE.matcher(value).matches()) {
      throw bad("release: a Helm release name (lowercase letters, digits, '-' and '.', at most " + RELEASE_MAX + " characters)");
    }
    return value;
  }

  private static JsonNode object(JsonNode payload) throws CommandException {
    if (payload == null || payload.isNull() || payload.isMissingNode()) {
      return tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    if (!payload.isObject()) {
      throw bad("payload: a JSON object");
    }
    return payload;
  }

  private static Optional<String> optionalString(JsonNode p, String field) throws CommandException {
    JsonNode v = p.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isString()) {
      throw bad(field + ": a string");
    }
    return Optional.of(v.stringValue());
  }

  private static CommandException bad(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
