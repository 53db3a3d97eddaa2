package io.clusteragent.helm.argocd;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import java.nio.file.Path;

/**
 * Argo CD's own Application CRD (vendored from v3.5.1) and the {@code argocd} namespace, installed
 * into the test cluster; no Argo CD controller runs. Both are cluster-wide and stay for the JVM's
 * other tests, so installing again changes nothing.
 */
public final class ArgoCdCrd {

  private ArgoCdCrd() {}

  public static void install(TestEnvironment env, String namespace) throws Exception {
    Path crd = Path.of(ArgoCdCrd.class.getResource("/argocd/application-crd.yaml").toURI());
    // server-side: the CRD is far larger than the last-applied annotation client-side apply
    // writes may be
    env.kubectl(
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=argocd-crd-test",
            "-f",
            crd.toString())
        .assertSuccess();
    // kubectl wait fails at once ("conditions accessor error") while a just-created CRD has no
    // status yet, instead of waiting: ask again until it has one
    CommandResult established = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      established =
          env.kubectl(
              "wait",
              "--for=condition=Established",
              "crd/" + ArgoApplications.APPLICATION_CRD,
              "--timeout=60s");
      if (established.succeeded()) {
        break;
      }
      Thread.sleep(200);
    }
    established.assertSuccess();
    CommandResult created = env.kubectl("create", "namespace", namespace);
    if (!created.succeeded() && !created.stderr().contains("AlreadyExists")) {
      created.assertSuccess();
    }
  }
}
