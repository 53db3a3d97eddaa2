package io.clusteragent.helm.drift;

import java.util.List;

/**
 * One drifted object in the documented drift format ({@code drift_resources[]}: {@code
 * api_version}, {@code kind}, {@code namespace}, {@code name}, {@code drift_type}, {@code paths}).
 *
 * @param paths the JSON pointers (RFC 6901), sorted, where the live object differs; empty when it
 *     is missing
 */
public record DriftResource(
    String apiVersion,
    String kind,
    String namespace,
    String name,
    DriftType driftType,
    List<String> paths) {

  public DriftResource {
    paths = List.copyOf(paths);
  }

  /** How an object drifted. */
  public enum DriftType {
    /** It exists, but a field the manifest sets holds another value. */
    MODIFIED,
    /** The cluster has no such object (deleted, or its type is no longer served). */
    MISSING;

    /** The wire name: {@code modified}, {@code missing}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
