package io.clusteragent.helm.argocd;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * One add-on of a stack as Argo CD deploys it: a Helm chart from a repository, its values, where it
 * goes and how Argo CD keeps it in sync. {@link ArgoApplications#apply} checks it before anything
 * reaches the API server.
 *
 * @param stack the stack's name, a DNS label (it is a label value and part of the object name)
 * @param name the add-on's name, a DNS label; also the Helm release name Argo CD renders with
 * @param chartName the chart in the repository ({@code spec.source.chart})
 * @param repoUrl the chart repository: {@code https://...} (a Helm repository index) or {@code
 *     oci://host/path} (an OCI registry)
 * @param chartVersion the chart version or a semver constraint ({@code spec.source.targetRevision})
 * @param valuesYaml the values file's text, passed to Helm as written; {@code null} or blank for
 *     the chart's defaults
 * @param destinationNamespace where the chart's objects go, in the cluster Argo CD runs in
 * @param selfHeal Argo CD re-syncs when the live objects drift from the chart
 * @param autoPrune Argo CD deletes objects the chart no longer renders
 * @param createNamespace Argo CD creates {@code destinationNamespace} when it is missing
 * @param revisionHistoryLimit sync results Argo CD keeps in the Application's history, 0 or more
 */
public record ArgoAddon(
    String stack,
    String name,
    String chartName,
    String repoUrl,
    String chartVersion,
    String valuesYaml,
    String destinationNamespace,
    boolean selfHeal,
    boolean autoPrune,
    boolean createNamespace,
    int revisionHistoryLimit) {

  /** The add-on defaults of the platform: sync policy all on, a history of 10. */
  public static ArgoAddon withDefaults(
      String stack,
      String name,
      String chartName,
      String repoUrl,
      String chartVersion,
      String valuesYaml,
      String destinationNamespace) {
    return new ArgoAddon(
        stack,
        name,
        chartName,
        repoUrl,
        chartVersion,
        valuesYaml,
        destinationNamespace,
        true,
        true,
        true,
        10);
  }

  /** The Application's name: {@code <stack>-<add-on>}. */
  public String applicationName() {
    return applicationName(stack, name);
  }

  static String applicationName(String stack, String addon) {
    return stack + "-" + addon;
  }

  /**
   * {@code spec.source.repoURL}: an {@code https} URL as given; an OCI registry without its {@code
   * oci://} scheme, because that is how Argo CD recognises a Helm chart in an OCI registry (a
   * repoURL without a scheme, with {@code chart} set: docs/user-guide/helm.md, "note: the oci://
   * syntax is not included"). With the scheme Argo CD would instead read the URL as an OCI artifact
   * to unpack (docs/user-guide/oci.md), which needs {@code path} and the chart name in the URL.
   */
  public String argoRepoUrl() {
    String trimmed = stripTrailingSlashes(repoUrl);
    return trimmed.regionMatches(true, 0, "oci://", 0, "oci://".length())
        ? trimmed.substring("oci://".length())
        : trimmed;
  }

  boolean hasValues() {
    return valuesYaml != null && !valuesYaml.isBlank();
  }

  /** Refuses, with {@code BAD_REQUEST} naming the field, what Argo CD could never deploy. */
  void check() throws CommandException {
    Names.DNS_LABEL.check("stack", "stack name", stack);
    Names.DNS_LABEL.check("name", "add-on name", name);
    Names.DNS_SUBDOMAIN.check("name", "Application name", applicationName());
    Names.DNS_LABEL.check("namespace", "namespace", destinationNamespace);
    required("chart_name", chartName);
    required("chart_version", chartVersion);
    if (chartName.contains("/")) {
      // the repository goes in repoURL; a path here would be a second, unchecked repository
      throw badRequest("chart_name '" + chartName + "' must be a chart name without '/'");
    }
    checkRepoUrl();
    if (revisionHistoryLimit < 0) {
      throw badRequest("revision_history_limit must be 0 or more, got " + revisionHistoryLimit);
    }
  }

  private void checkRepoUrl() throws CommandException {
    required("registry_url", repoUrl);
    URI uri;
    try {
      uri = new URI(stripTrailingSlashes(repoUrl));
    } catch (URISyntaxException e) {
      throw badRequest("registry_url '" + repoUrl + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("oci")) {
      throw badRequest(
          "registry_url '" + repoUrl + "' must start with https:// (Helm repository) or oci://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw badRequest("registry_url '" + repoUrl + "' names no host");
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw badRequest("registry_url '" + repoUrl + "' must not carry a query or fragment");
    }
  }

  private static String stripTrailingSlashes(String url) {
    String s = url.strip();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static void required(String field, String value) throws CommandException {
    if (value == null || value.isBlank()) {
      throw badRequest(field + " is required");
    }
  }

  private static CommandException badRequest(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
