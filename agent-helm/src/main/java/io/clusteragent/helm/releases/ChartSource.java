package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a chart comes from. A closed set on purpose: helm also accepts local paths, {@code file://}
 * URLs and names from its own repository configuration, and each of those would let a command read
 * the agent's own files or state, so none of them can be expressed here. An uploaded chart is
 * written by the agent to a directory of its own, which is the one local path helm sees.
 */
sealed interface ChartSource {

  /** A chart {@code name} in the HTTP(S) chart repository at {@code repository}. */
  record Repository(URI repository, String name) implements ChartSource {}

  /** A chart in an OCI registry, {@code oci://host[:port]/path/chart}, the documented way. */
  record Oci(URI reference) implements ChartSource {

    String host() {
      return reference.getPort() < 0
          ? reference.getHost()
          : reference.getHost() + ":" + reference.getPort();
    }
  }

  /** A packaged chart ({@code .tgz}) carried in the command itself. */
  record Archive(byte[] content) implements ChartSource {}

  /**
   * A chart the agent writes itself (a stack's plain manifests, wrapped so helm tracks, diffs and
   * removes them like any release): file names relative to the chart's root, and their content.
   * Never read from a payload.
   */
  record Generated(Map<String, String> files) implements ChartSource {}

  /** Decoded, so a chart the NATS message limit lets through always fits. */
  int MAX_ARCHIVE_BYTES = 768 * 1024;

  Pattern CHART_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** OCI repository names: lower-case path components (distribution-spec). */
  Pattern OCI_PATH = Pattern.compile("(/[a-z0-9]+([._-][a-z0-9]+)*)+");

  /**
   * Reads the chart fields of a payload: {@code chart} alone ({@code oci://…}), {@code chart} with
   * {@code repository}, or {@code archive} (base64).
   */
  static ChartSource of(
      Optional<String> chart, Optional<String> repository, Optional<String> archive)
      throws CommandException {
    if (archive.isPresent()) {
      if (chart.isPresent() || repository.isPresent()) {
        throw bad("archive replaces chart and repository: send one or the other");
      }
      return archive(archive.get());
    }
    if (chart.isEmpty()) {
      throw bad(
          "chart is required (an oci:// reference, or a chart name with repository), or an"
              + " archive");
    }
    String value = chart.get().strip();
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.startsWith("oci://")) {
      if (repository.isPresent()) {
        throw bad("an oci:// chart names its registry itself: leave repository out");
      }
      return oci(value);
    }
    if (repository.isPresent()) {
      if (!CHART_NAME.matcher(value).matches()) {
        throw bad(
            "chart '"
                + shorten(value)
                + "' is not a chart name (letters, digits, '.', '_', '-'); with a repository,"
                + " chart is the name in its index");
      }
      return new Repository(repositoryUrl(repository.get()), value);
    }
    if (lower.startsWith("file:")
        || value.startsWith("/")
        || value.startsWith(".")
        || value.contains("/")
        || value.contains("\\")) {
      throw bad(
          "chart '"
              + shorten(value)
              + "' refers to a local file or a local repository name; the agent reads no local"
              + " charts: upload the chart as archive, or give an oci:// reference or a"
              + " repository");
    }
    throw bad("chart '" + shorten(value) + "' needs a repository (or use an oci:// reference)");
  }

  private static Oci oci(String value) throws CommandException {
    URI uri = parse(value, "chart");
    if (uri.getRawUserInfo() != null) {
      throw bad("chart: credentials in the reference are refused; send them in auth");
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw bad(
          "chart '" + shorten(value) + "' must look like oci://registry.example.com/path/chart");
    }
    String path = uri.getRawPath();
    if (path == null || !OCI_PATH.matcher(path).matches() || path.length() > 255) {
      throw bad(
          "chart '"
              + shorten(value)
              + "': the repository path must be lower-case path components (a-z, 0-9, '.', '_',"
              + " '-')");
    }
    return new Oci(uri);
  }

  private static URI repositoryUrl(String value) throws CommandException {
    URI uri = parse(value.strip(), "repository");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw bad("repository must be an https:// (or http://) chart repository URL");
    }
    if (uri.getHost() == null) {
      throw bad("repository '" + shorten(value) + "' has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw bad("repository: credentials in the URL are refused; send them in auth");
    }
    return uri;
  }

  private static Archive archive(String base64) throws CommandException {
    byte[] content;
    try {
      content = Base64.getDecoder().decode(base64.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw bad("archive must be a base64-encoded chart archive (.tgz)");
    }
    if (content.length > MAX_ARCHIVE_BYTES) {
      throw new CommandException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "archive is "
              + content.length
              + " bytes; at most "
              + MAX_ARCHIVE_BYTES
              + " are accepted");
    }
    // gzip's magic number: helm would say the same, later and less clearly.
    if (content.length < 2 || (content[0] & 0xff) != 0x1f || (content[1] & 0xff) != 0x8b) {
      throw bad("archive is not a gzip-compressed chart archive (helm package makes one)");
    }
    return new Archive(content);
  }

  private static URI parse(String value, String field) throws CommandException {
    if (value.length() > 1024 || value.chars().anyMatch(c -> c <= ' ')) {
      throw bad(field + " must be a URL of at most 1024 characters without spaces");
    }
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw bad(field + " '" + shorten(value) + "' is not a valid URL");
    }
  }

  private static String shorten(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "…";
  }

  private static CommandException bad(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
