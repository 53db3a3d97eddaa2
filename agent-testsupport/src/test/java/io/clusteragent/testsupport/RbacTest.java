package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import org.junit.jupiter.api.Test;

/** TLS + client certificates + RBAC: the non-admin user is authenticated but forbidden. */
@WithTestEnvironment
class RbacTest {

  @Test
  void nonAdminIsForbiddenToListSecretsAndAdminIsNot(TestEnvironment env) throws Exception {
    ApiException denied =
        catchThrowableOfType(
            ApiException.class,
            () -> new CoreV1Api(env.nonAdminApiClient()).listNamespacedSecret("default").execute());
    assertThat(denied).isNotNull();
    assertThat(denied.getCode()).isEqualTo(403);
    assertThat(denied.getResponseBody()).contains("User \\\"" + env.nonAdminUser() + "\\\"");

    assertThat(
            new CoreV1Api(env.adminApiClient())
                .listNamespacedSecret("default")
                .execute()
                .getItems())
        .isNotNull();
  }

  @Test
  void kubectlAuthCanIReflectsRbac(TestEnvironment env) {
    assertThat(
            env.kubectl("auth", "can-i", "list", "secrets", "--as", env.nonAdminUser())
                .stdout()
                .strip())
        .isEqualTo("no");
    assertThat(env.kubectl("auth", "can-i", "list", "secrets").stdout().strip()).isEqualTo("yes");
    CommandResult jane =
        env.run(
            env.kubectl().toString(),
            "--kubeconfig",
            env.nonAdminKubeconfig().toString(),
            "get",
            "secrets");
    assertThat(jane.exitCode()).isNotZero();
    assertThat(jane.stderr()).contains("Forbidden");
  }
}
