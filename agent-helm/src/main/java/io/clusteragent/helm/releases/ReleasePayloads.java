package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.time.Duration;
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

  private static final Set<String> CHART_FIELDS =
      Set.of(
          "namespace",
          "release",
          "chart",
          "repository",
          "archive",
          "version",
          "values",
          "auth",
          "createNamespace",
          "wait",
          "timeoutSeconds",
          "atomic",
          "historyMax",
          "install",
          "reuseValues");
  private static final Set<String> AUTH_FIELDS = Set.of("username", "password");
  private static final Set<String> UNINSTALL_FIELDS =
      Set.of("namespace", "release", "keepHistory", "wait", "timeoutSeconds");
  private static final Set<String> CONTENT_FIELDS =
      Set.of("namespace", "release", "part", "revision", "allValues");
  private static final Set<String> STATUS_FIELDS = Set.of("namespace", "release", "revision");

  private static final int FILTER_MAX = 256;
  private static final int VERSION_MAX = 64;
  private static final int CREDENTIAL_MAX = 4096;

  private ReleasePayloads() {}

  record ListReleases(Optional<String> namespace, Optional<String> filter) {}

  record ReleaseRef(String namespace, String release) {}

  record Rollback(ReleaseRef ref, Optional<Integer> revision, boolean waitForReady) {}

  /** Chart repository or registry credentials; never printed. */
  record Credentials(String username, String password) {
    @Override
    public String toString() {
      return "Credentials[username=" + username + ", password=[REDACTED]]";
    }
  }

  /** What install, upgrade and diff share: the release, the chart and how to apply it. */
  record ChartChange(
      ReleaseRef ref,
      ChartSource chart,
      Optional<String> version,
      Optional<String> values,
      Optional<Credentials> auth,
      boolean createNamespace,
      boolean waitForReady,
      Optional<Duration> timeout,
      boolean atomic,
      OptionalInt historyMax,
      boolean install,
      boolean reuseValues) {}

  record Uninstall(
      ReleaseRef ref, boolean keepHistory, boolean waitForReady, Optional<Duration> timeout) {}

  /** The parts {@code helm get} shows. */
  enum Part {
    VALUES,
    MANIFEST,
    NOTES,
    HOOKS
  }

  record Content(ReleaseRef ref, Part part, OptionalInt revision, boolean allValues) {}

  record Status(ReleaseRef ref, OptionalInt revision) {}

  static ChartChange chartChange(JsonNode payload, boolean upgrade) throws CommandException {
    Payload p = Payload.of(payload, CHART_FIELDS);
    if (!upgrade
        && (p.optionalBoolean("install").isPresent()
            || p.optionalBoolean("reuseValues").isPresent())) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "install and reuseValues apply to upgrade only");
    }
    ChartSource chart =
        ChartSource.of(
            p.optionalString("chart"), p.optionalString("repository"), p.optionalString("archive"));
    Optional<String> version = p.optionalString("version");
    if (version.isPresent()) {
      String v = version.get();
      if (v.isEmpty() || v.length() > VERSION_MAX || !v.matches("[A-Za-z0-9.+~^<>=*|, -]+")) {
        throw new CommandException(
            ErrorCode.BAD_REQUEST,
            "version must be a chart version or semver range of at most "
                + VERSION_MAX
                + " characters");
      }
    }
    if (chart instanceof ChartSource.Archive && version.isPresent()) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "an archive is one chart version: leave version out");
    }
    Optional<String> values = p.optionalString("values");
    if (values.isPresent()) {
      YamlDocuments.checkValues(values.get());
    }
    Optional<Credentials> auth = credentials(p);
    if (auth.isPresent()
        && chart instanceof ChartSource.Repository r
        && !"https".equalsIgnoreCase(r.repository().getScheme())) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "auth needs an https:// repository: over http:// the password would travel in clear");
    }
    if (auth.isPresent() && chart instanceof ChartSource.Archive) {
      throw new CommandException(ErrorCode.BAD_REQUEST, "an archive needs no auth");
    }
    return new ChartChange(
        releaseRef(p),
        chart,
        version,
        values,
        auth,
        p.optionalBoolean("createNamespace").orElse(false),
        p.optionalBoolean("wait").orElse(false),
        timeout(p),
        p.optionalBoolean("atomic").orElse(false),
        p.optionalInt("historyMax", 0),
        p.optionalBoolean("install").orElse(false),
        p.optionalBoolean("reuseValues").orElse(false));
  }

  static Uninstall uninstall(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, UNINSTALL_FIELDS);
    return new Uninstall(
        releaseRef(p),
        p.optionalBoolean("keepHistory").orElse(false),
        p.optionalBoolean("wait").orElse(false),
        timeout(p));
  }

  static Content content(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, CONTENT_FIELDS);
    String part = p.requiredString("part");
    Part chosen;
    try {
      chosen = Part.valueOf(part.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "part must be one of values, manifest, notes, hooks; got '"
              + (part.length() > 40 ? part.substring(0, 40) + "…" : part)
              + "'");
    }
    boolean allValues = p.optionalBoolean("allValues").orElse(false);
    if (allValues && chosen != Part.VALUES) {
      throw new CommandException(ErrorCode.BAD_REQUEST, "allValues applies to part values only");
    }
    return new Content(releaseRef(p), chosen, p.optionalInt("revision", 1), allValues);
  }

  static Status status(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, STATUS_FIELDS);
    return new Status(releaseRef(p), p.optionalInt("revision", 1));
  }

  private static Optional<Credentials> credentials(Payload p) throws CommandException {
    Optional<Payload> auth = p.optionalObject("auth", AUTH_FIELDS);
    if (auth.isEmpty()) {
      return Optional.empty();
    }
    String username = auth.get().optionalString("username").orElse("");
    String password = auth.get().optionalString("password").orElse("");
    if (username.isEmpty() || password.isEmpty()) {
      throw new CommandException(ErrorCode.BAD_REQUEST, "auth needs username and password");
    }
    if (username.length() > CREDENTIAL_MAX
        || password.length() > CREDENTIAL_MAX
        || username.contains(":")
        || username.chars().anyMatch(Character::isISOControl)
        || password.chars().anyMatch(Character::isISOControl)) {
      // never echo either: the message would carry them into the platform's logs
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "auth.username (no ':') and auth.password must be printable and at most "
              + CREDENTIAL_MAX
              + " characters");
    }
    return Optional.of(new Credentials(username, password));
  }

  private static Optional<Duration> timeout(Payload p) throws CommandException {
    OptionalInt seconds = p.optionalInt("timeoutSeconds", 1);
    return seconds.isPresent()
        ? Optional.of(Duration.ofSeconds(seconds.getAsInt()))
        : Optional.empty();
  }

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
