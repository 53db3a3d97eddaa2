package io.clusteragent.proxy.resources;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import io.kubernetes.client.openapi.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which resource a command addresses, validated so each part is exactly one safe path segment:
 * nobody can smuggle {@code ..}, {@code /} or {@code ?} into the API server path.
 */
record ResourceTarget(
    String group,
    String version,
    String resource,
    Optional<String> namespace,
    Optional<String> name) {

  /**
   * Core group is the empty string; the others are DNS subdomains ({@code apps}, {@code
   * cert-manager.io}).
   */
  private static final Names.Rule GROUP =
      new Names.Rule(
          Pattern.compile("|" + Names.DNS_SUBDOMAIN.pattern().pattern()),
          "\"\" for the core group, or " + Names.DNS_SUBDOMAIN.description());

  static ResourceTarget collection(Payload payload) throws CommandException {
    return read(payload, Optional.empty());
  }

  static ResourceTarget object(Payload payload) throws CommandException {
    return read(
        payload, Optional.of(payload.requiredString("name", Names.OBJECT_NAME, "object name")));
  }

  private static ResourceTarget read(Payload payload, Optional<String> name)
      throws CommandException {
    String group =
        payload
            .optionalString("group", GROUP, "API group")
            .orElseThrow(() ->
                new CommandException(
                    ErrorCode.BAD_REQUEST, "group is required (\"\" for the core group)"));
    String version = payload.requiredString("version", Names.DNS_LABEL, "API version");
    String resource =
        payload.requiredString(
            "resource", Names.DNS_LABEL, "resource (lower-case plural, e.g. pods)");
    Optional<String> namespace = payload.optionalString("namespace", Names.DNS_LABEL, "namespace");
    return new ResourceTarget(group, version, resource, namespace, name);
  }

  /**
   * {@code labelSelector} and {@code fieldSelector}, passed on as-is (the HTTP client encodes
   * them).
   */
  static List<Pair> selectorQuery(Payload payload) throws CommandException {
    List<Pair> query = new ArrayList<>();
    payload.optionalString("labelSelector").ifPresent(s -> query.add(new Pair("labelSelector", s)));
    payload.optionalString("fieldSelector").ifPresent(s -> query.add(new Pair("fieldSelector", s)));
    return query;
  }

  /** Secrets are the one type whose values the agent redacts. */
  boolean isSecrets() {
    return group.isEmpty() && resource.equals("secrets");
  }

  /** {@code /api/v1/...} for the core group, {@code /apis/<group>/<version>/...} for the others. */
  String path() {
    StringBuilder path =
        new StringBuilder(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
    namespace.ifPresent(ns -> path.append("/namespaces/").append(ns));
    path.append('/').append(resource);
    name.ifPresent(n -> path.append('/').append(n));
    return path.toString();
  }
}
