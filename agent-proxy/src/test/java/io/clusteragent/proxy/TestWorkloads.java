package io.clusteragent.proxy;

import io.clusteragent.testsupport.TestEnvironment;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Namespaces and Deployments for the tests, created with kubectl as an operator would. */
final class TestWorkloads {

  private TestWorkloads() {}

  static String uniqueNamespace(TestEnvironment env, String prefix) {
    String ns = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    env.kubectl("create", "namespace", ns).assertSuccess();
    return ns;
  }

  /** Applies a Deployment and returns the names of its pods once they run. */
  static List<String> deployAndAwaitPods(TestEnvironment env, String namespace, String app, int replicas) throws Exception {
    String manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          replicas: %3$d
          selector:
            matchLabels:
              app: %1$s
          template:
            metadata:
              labels:
                app: %1$s
            spec:
              containers:
              - name: main
                image: registry.invalid/%1$s:1.0
        """.formatted(app, namespace, replicas);
    Path file = Files.createTempFile(env.dir(), app, ".yaml");
    Files.writeString(file, manifest);
    env.kubectl("apply", "-f", file.toString()).assertSuccess();

    CoreV1Api core = new CoreV1Api(env.adminApiClient());
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      List<String> running = core.listNamespacedPod(namespace).labelSelector("app=" + app).execute().getItems().stream()
          .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .map(V1Pod::getMetadata)
          .map(m -> m.getName())
          .toList();
      if (running.size() >= replicas) {
        return running;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("pods of " + app + " in " + namespace + " did not run:\n" + env.kubectl("get", "pods", "-n", namespace, "-o", "wide").stdout());
  }
}
