package io.clusteragent.proxy.access;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One person's access to the cluster, as the platform grants it: a built-in ClusterRole ({@code
 * view}, {@code edit}, {@code admin}, {@code cluster-admin}) for a user, on the whole cluster or
 * one namespace. On the cluster it is a labelled ClusterRoleBinding or RoleBinding whose name is
 * derived from the grant, so applying it twice changes nothing and revoking finds it again.
 */
public record Grant(String user, String role, String namespace) {

  static final Set<String> ROLES = Set.of("view", "edit", "admin", "cluster-admin");
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String AGENT = "ankra-agent";
  static final String GRANT_LABEL = "agent.ankra.io/grant";
  static final String USER_ANNOTATION = "agent.ankra.io/user";

  private static final Set<String> FIELDS = Set.of("user", "role", "scope", "namespace");
  private static final int MAX_USER = 256;

  static Grant from(JsonNode payload) throws CommandException {
    Payload fields = Payload.of(payload, FIELDS);
    String user = fields.requiredString("user");
    if (user.isBlank()
        || user.length() > MAX_USER
        || user.chars().anyMatch(Character::isISOControl)) {
      throw bad(
          "user must be 1-"
              + MAX_USER
              + " printable characters (the platform user, e.g. an email)");
    }
    String role = fields.requiredString("role").toLowerCase(Locale.ROOT);
    if (!ROLES.contains(role)) {
      throw bad("role must be one of " + ROLES.stream().sorted().toList());
    }
    String scope = fields.requiredString("scope").toLowerCase(Locale.ROOT);
    String namespace =
        fields.optionalString("namespace", Names.DNS_LABEL, "namespace").orElse(null);
    switch (scope) {
      case "cluster" -> {
        if (namespace != null) {
          throw bad("a cluster-wide grant takes no namespace");
        }
      }
      case "namespace" -> {
        if (namespace == null) {
          throw bad("a namespace grant needs namespace");
        }
        if (role.equals("cluster-admin")) {
          throw bad("cluster-admin is granted on the whole cluster only");
        }
      }
      default -> throw bad("scope must be cluster or namespace");
    }
    return new Grant(user, role, namespace);
  }

  boolean clusterWide() {
    return namespace == null;
  }

  /** A stable object name: the same grant always maps to the same binding. */
  String bindingName() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((user + "\n" + role).getBytes(StandardCharsets.UTF_8));
      return "ankra-grant-" + role + "-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static CommandException bad(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
