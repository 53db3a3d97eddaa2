package io.clusteragent.testsupport;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Workloads for tests of every module: namespaces, a Deployment applied with kubectl, waiting for
 * Running pods.
 */
public final class Workloads {

  private Workloads() {}

  public static String uniqueNamespace(TestEnvironment env, String prefix) {
    String ns = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    env.kubectl("create", "namespace", ns).assertSuccess();
    return ns;
  }

  public static void applyDeployment(
      TestEnvironment env, String namespace, String name, int replicas) throws Exception {
    String manifest =
        """
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
        """
            .formatted(name, namespace, replicas);
    Path file = Files.createTempFile(env.dir(), name, ".yaml");
    Files.writeString(file, manifest);
    env.kubectl("apply", "-f", file.toString()).assertSuccess();
  }

  /**
   * Applies a Deployment of {@code replicas} pods labelled {@code app=<app>} and returns their
   * names once they run.
   */
  public static List<String> deployAndAwaitPodNames(
      TestEnvironment env, String namespace, String app, int replicas) throws Exception {
    applyDeployment(env, namespace, app, replicas);
    return awaitRunningPods(env, namespace, app, replicas).stream()
        .map(p -> p.getMetadata().getName())
        .toList();
  }

  public static List<V1Pod> awaitRunningPods(
      TestEnvironment env, String namespace, String app, int count) throws Exception {
    CoreV1Api core = new CoreV1Api(env.adminApiClient());
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    List<V1Pod> running = List.of();
    while (Instant.now().isBefore(deadline)) {
      try {
        running =
            core
                .listNamespacedPod(namespace)
                .labelSelector("app=" + app)
                .execute()
                .getItems()
                .stream()
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
      } catch (ApiException e) {
        throw new AssertionError(
            "listing pods failed: " + e.getCode() + " " + e.getResponseBody(), e);
      }
      if (running.size() >= count) {
        return running;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "expected "
            + count
            + " Running pods of app="
            + app
            + " in "
            + namespace
            + ", got "
            + running.size()
            + "\n"
            + env.kubectl("get", "pods,rs,deploy", "-n", namespace, "-o", "wide").stdout()
            + env.kubectl("get", "events", "-n", namespace).stdout());
  }
}
