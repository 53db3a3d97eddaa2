package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kube-apiserver + controller-manager + scheduler + kwok: a Deployment really gets Running Pods on
 * kwok nodes.
 */
@WithTestEnvironment
class KubernetesWorkloadTest {

  @Test
  void deploymentWithTwoReplicasRunsTwoPodsOnKwokNodes(TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "deploy");
    Workloads.applyDeployment(env, ns, "web", 2);

    List<V1Pod> pods = Workloads.awaitRunningPods(env, ns, "web", 2);

    assertThat(pods).hasSize(2);
    assertThat(pods)
        .allSatisfy(pod -> {
          assertThat(pod.getSpec().getNodeName()).isIn(env.nodeNames());
          assertThat(pod.getStatus().getPodIP()).isNotBlank();
          assertThat(pod.getMetadata().getOwnerReferences())
              .anySatisfy(o -> assertThat(o.getKind()).isEqualTo("ReplicaSet"));
        });
    assertThat(
            env.kubectl("get", "pods", "-n", ns, "-l", "app=web", "-o", "name")
                .assertSuccess()
                .stdout()
                .lines())
        .hasSize(2);
  }

  @Test
  void defaultServiceAccountExistsAndNodesAreReady(TestEnvironment env) {
    assertThat(env.kubectl("get", "serviceaccount", "default", "-n", "default").succeeded())
        .isTrue();
    String ready =
        env.kubectl(
                "get",
                "nodes",
                "-o",
                "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}")
            .assertSuccess()
            .stdout();
    for (String node : env.nodeNames()) {
      assertThat(ready).contains(node + "=True");
    }
  }
}
