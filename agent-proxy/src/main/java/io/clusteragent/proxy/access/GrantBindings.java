package io.clusteragent.proxy.access;

import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Grants as RBAC objects, written with the agent's own identity: the platform decided the grant and
 * signed the command; the cluster's RBAC then decides every request made as that user. Only
 * bindings the agent labelled as grants are ever read back or deleted.
 */
final class GrantBindings {

  private static final String RBAC_GROUP = "rbac.authorization.k8s.io";
  private static final String SELECTOR =
      Grant.MANAGED_BY + "=" + Grant.AGENT + "," + Grant.GRANT_LABEL + "=true";

  private final ApiClientSource clients;

  GrantBindings(ApiClientSource clients) {
    this.clients = clients;
  }

  /** Creates the binding, or replaces it if it exists: applying a grant twice is harmless. */
  String apply(Grant grant) throws CommandException {
    RbacAuthorizationV1Api rbac = rbac();
    V1ObjectMeta meta =
        new V1ObjectMeta()
            .name(grant.bindingName())
            .labels(Map.of(Grant.MANAGED_BY, Grant.AGENT, Grant.GRANT_LABEL, "true"))
            .annotations(Map.of(Grant.USER_ANNOTATION, grant.user()));
    V1RoleRef role = new V1RoleRef().apiGroup(RBAC_GROUP).kind("ClusterRole").name(grant.role());
    List<RbacV1Subject> subjects =
        List.of(new RbacV1Subject().kind("User").apiGroup(RBAC_GROUP).name(grant.user()));
    try {
      if (grant.clusterWide()) {
        V1ClusterRoleBinding binding =
            new V1ClusterRoleBinding().metadata(meta).roleRef(role).subjects(subjects);
        try {
          rbac.createClusterRoleBinding(binding).execute();
        } catch (ApiException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          rbac.replaceClusterRoleBinding(grant.bindingName(), binding).execute();
        }
      } else {
        V1RoleBinding binding =
            new V1RoleBinding()
                .metadata(meta.namespace(grant.namespace()))
                .roleRef(role)
                .subjects(subjects);
        try {
          rbac.createNamespacedRoleBinding(grant.namespace(), binding).execute();
        } catch (ApiException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          rbac.replaceNamespacedRoleBinding(grant.bindingName(), grant.namespace(), binding)
              .execute();
        }
      }
    } catch (ApiException e) {
      throw failure("apply", e);
    }
    return grant.bindingName();
  }

  /** Deletes the grant's binding; a grant that is not there is already revoked. */
  boolean revoke(Grant grant) throws CommandException {
    RbacAuthorizationV1Api rbac = rbac();
    try {
      if (grant.clusterWide()) {
        rbac.deleteClusterRoleBinding(grant.bindingName()).execute();
      } else {
        rbac.deleteNamespacedRoleBinding(grant.bindingName(), grant.namespace()).execute();
      }
      return true;
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw failure("revoke", e);
    }
  }

  /** The grants on the cluster, read back from the labelled bindings. */
  List<Grant> list() throws CommandException {
    RbacAuthorizationV1Api rbac = rbac();
    List<Grant> grants = new ArrayList<>();
    try {
      for (V1ClusterRoleBinding binding :
          rbac.listClusterRoleBinding().labelSelector(SELECTOR).execute().getItems()) {
        grants.add(new Grant(user(binding.getMetadata()), binding.getRoleRef().getName(), null));
      }
      for (V1RoleBinding binding :
          rbac.listRoleBindingForAllNamespaces().labelSelector(SELECTOR).execute().getItems()) {
        grants.add(
            new Grant(
                user(binding.getMetadata()),
                binding.getRoleRef().getName(),
                binding.getMetadata().getNamespace()));
      }
    } catch (ApiException e) {
      throw failure("list", e);
    }
    return grants;
  }

  private static String user(V1ObjectMeta meta) {
    return meta.getAnnotations() == null
        ? ""
        : meta.getAnnotations().getOrDefault(Grant.USER_ANNOTATION, "");
  }

  private RbacAuthorizationV1Api rbac() throws CommandException {
    try {
      ApiClient client = clients.get();
      return new RbacAuthorizationV1Api(client);
    } catch (IOException | RuntimeException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot configure the Kubernetes client: " + e.getMessage(),
          e);
    }
  }

  private static CommandException failure(String what, ApiException e) {
    ErrorCode code =
        switch (e.getCode()) {
          case 403 -> ErrorCode.FORBIDDEN;
          case 404 -> ErrorCode.NOT_FOUND;
          case 409 -> ErrorCode.CONFLICT;
          case 400, 422 -> ErrorCode.BAD_REQUEST;
          default -> ErrorCode.UPSTREAM_UNAVAILABLE;
        };
    String detail = e.getCode() == 0 ? e.getMessage() : "API server answered " + e.getCode();
    return new CommandException(code, "cannot " + what + " the grant: " + detail, e);
  }
}
