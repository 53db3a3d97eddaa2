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

  /** The status label of {@code release}'s revision {@code revision} ("" when there is none). */
  public static String status(TestEnvironment env, String namespace, String release, int revision) {
    return env.kubectl(
            "get",
            "secret",
            "sh.helm.release.v1." + release + ".v" + revision,
            "-n",
            namespace,
            "-o",
            "jsonpath={.metadata.labels.status}")
        .stdout();
  }

  /**
   * The revision's status once it is no longer pending (an interrupted write's revision stays
   * pending-install or pending-upgrade until healed), or its pending status after 90 s.
   */
  public static String awaitSettled(
      TestEnvironment env, String namespace, String release, int revision)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    String status = status(env, namespace, release, revision);
    while (status.startsWith("pending") && System.nanoTime() < until) {
      Thread.sleep(100);
      status = status(env, namespace, release, revision);
    }
    return status;
  }
}
