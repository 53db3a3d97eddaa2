package io.clusteragent.testsupport;

import java.time.Duration;

/**
 * Helm's release Secrets (label {@code owner=helm}), as tests that watch a release's state read
 * them.
 */
public final class ReleaseSecrets {

  private ReleaseSecrets() {}

  /** Waits up to 60 s until some release revision in {@code namespace} has {@code status}. */
  public static void awaitStatus(TestEnvironment env, String namespace, String status)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < until) {
      if (env.kubectl(
              "get",
              "secrets",
              "-n",
              namespace,
              "-l",
              "owner=helm",
              "-o",
              "jsonpath={.items[*].metadata.labels.status}")
          .stdout()
          .contains(status)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no release in " + namespace + " reached " + status);
  }
}
