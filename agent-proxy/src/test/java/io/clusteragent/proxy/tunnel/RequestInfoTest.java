package io.clusteragent.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestInfoTest {

  @Test
  void verbsResourcesNamespacesAndNamesAreReadAsTheApiServerReadsThem() {
    assertThat(RequestInfo.of("GET", "/api/v1/namespaces/shop/pods", null))
        .isEqualTo(new RequestInfo("list", "pods", "shop", ""));
    assertThat(RequestInfo.of("GET", "/api/v1/namespaces/shop/pods", "watch=true&limit=5"))
        .isEqualTo(new RequestInfo("watch", "pods", "shop", ""));
    assertThat(RequestInfo.of("GET", "/api/v1/namespaces/shop/pods/web-1/log", "follow=true"))
        .isEqualTo(new RequestInfo("get", "pods/log", "shop", "web-1"));
    assertThat(RequestInfo.of("POST", "/api/v1/namespaces/shop/pods/web-1/exec", "command=sh"))
        .isEqualTo(new RequestInfo("create", "pods/exec", "shop", "web-1"));
    assertThat(RequestInfo.of("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", null))
        .isEqualTo(new RequestInfo("patch", "deployments", "shop", "web"));
    assertThat(RequestInfo.of("DELETE", "/api/v1/namespaces/shop/configmaps", null))
        .isEqualTo(new RequestInfo("deletecollection", "configmaps", "shop", ""));
    assertThat(RequestInfo.of("GET", "/api/v1/nodes", null))
        .isEqualTo(new RequestInfo("list", "nodes", "", ""));
    assertThat(RequestInfo.of("DELETE", "/api/v1/namespaces/shop", null))
        .isEqualTo(new RequestInfo("delete", "namespaces", "", "shop"));
    assertThat(RequestInfo.of("PUT", "/apis/rbac.authorization.k8s.io/v1/clusterroles/view", null))
        .isEqualTo(new RequestInfo("update", "clusterroles", "", "view"));
    assertThat(RequestInfo.of("GET", "/openapi/v3", null))
        .isEqualTo(new RequestInfo("get", "", "", ""));
    assertThat(RequestInfo.of("GET", "/apis", null)).isEqualTo(new RequestInfo("get", "", "", ""));
  }
}
