package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The documented install, upgrade and uninstall against the real test cluster (kube-apiserver with
 * kwok nodes; kwok runs the pods without pulling the image). The namespace enforces the Pod
 * Security "restricted" standard, so the API server itself judges the chart's security context.
 */
@WithTestEnvironment
class ChartInstallTest {

  private static final String RELEASE = "ankra-agent";
  private static final Duration POD_TIMEOUT = Duration.ofSeconds(90);

  private final TestEnvironment env;
  private final String namespace =
      "chart-it-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);

  ChartInstallTest(TestEnvironment env) {
    this.env = env;
  }

  @BeforeEach
  void restrictedNamespace() {
    env.kubectl("create", "namespace", namespace).assertSuccess();
    env.kubectl(
            "label",
            "namespace",
            namespace,
            "pod-security.kubernetes.io/enforce=restricted",
            "pod-security.kubernetes.io/enforce-version=latest")
        .assertSuccess();
  }

  @AfterEach
  void removeNamespace() {
    env.helm("uninstall", RELEASE, "--namespace", namespace, "--ignore-not-found");
    env.kubectl("delete", "namespace", namespace, "--wait=false");
  }

  @Test
  void namespaceRejectsAPodThatIsNotRestricted() {
    // Control: without this the Running pods below would prove nothing about the security context.
    CommandResult plainPod =
        env.kubectl(
            "run",
            "unrestricted",
            "--namespace",
            namespace,
            "--image=busybox",
            "--restart=Never",
            "--dry-run=server");

    assertThat(plainPod.exitCode()).isNotZero();
    assertThat(plainPod.stderr()).contains("violate").contains("restricted");
  }

  @Test
  void documentedInstallRunsUpgradesWithReusedValuesAndUninstallsCleanly() {
    helm(
        "upgrade",
        "--install",
        RELEASE,
        chart(),
        "--namespace",
        namespace,
        "--set",
        "config.token=YOUR_UNIQUE_TOKEN");

    awaitAgentPods("Running", 1);
    assertThat(decodedToken()).isEqualTo("YOUR_UNIQUE_TOKEN");
    assertThat(
            kubectl(
                "get",
                "deployment",
                "-n",
                namespace,
                RELEASE,
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}"))
        .isEqualTo("ghcr.io/clusteragent/cluster-agent:2.0.0");
    assertThat(
            kubectl(
                "get",
                "clusterrolebinding",
                "ankra-agent-" + namespace,
                "-o",
                "jsonpath={.roleRef.name}"))
        .isEqualTo("cluster-admin");
    assertThat(
            kubectl(
                "get",
                "service",
                "-n",
                namespace,
                RELEASE,
                "-o",
                "jsonpath={.spec.ports[0].port}/{.spec.ports[0].name}"))
        .isEqualTo("8080/http");

    helm(
        "upgrade",
        RELEASE,
        chart(),
        "--namespace",
        namespace,
        "--reuse-values",
        "--set",
        "log_level=DEBUG");
    assertThat(decodedToken()).as("token kept by --reuse-values").isEqualTo("YOUR_UNIQUE_TOKEN");
    assertThat(agentEnv("AGENT_LOG_LEVEL")).isEqualTo("DEBUG");

    awaitAgentPods("Running", 1);
    String podBefore = agentPodNames();
    String generationBefore = deploymentGeneration();
    helm("upgrade", RELEASE, chart(), "--namespace", namespace, "--reuse-values");
    assertThat(agentEnv("AGENT_LOG_LEVEL"))
        .as("earlier --set kept by --reuse-values")
        .isEqualTo("DEBUG");
    assertThat(
            kubectl(
                    "get",
                    "secret",
                    "-n",
                    namespace,
                    "-l",
                    "owner=helm,name=" + RELEASE,
                    "-o",
                    "name")
                .lines())
        .as("helm release revisions")
        .hasSize(3);
    assertThat(deploymentGeneration())
        .as("an upgrade that changes nothing leaves the Deployment (and pod) alone")
        .isEqualTo(generationBefore);

    helm(
        "upgrade",
        RELEASE,
        chart(),
        "--namespace",
        namespace,
        "--reuse-values",
        "--set",
        "config.token=ROTATED");
    assertThat(decodedToken()).isEqualTo("ROTATED");
    await(
        "a new token rolls the pod (checksum/secret)",
        () -> {
          String pods = agentPodNames();
          return !pods.isBlank() && !pods.contains(podBefore);
        });
    awaitAgentPods("Running", 1);

    helm("uninstall", RELEASE, "--namespace", namespace);

    // Pods, ReplicaSets and EndpointSlices go through the garbage collector, so this takes a
    // moment.
    await("nothing but the namespace's own objects left", () -> ourObjectsLeft().isEmpty());
    assertThat(ourObjectsLeft()).isEmpty();
    CommandResult binding = env.kubectl("get", "clusterrolebinding", "ankra-agent-" + namespace);
    assertThat(binding.exitCode()).isNotZero();
    assertThat(binding.stderr()).contains("NotFound");
    assertThat(kubectl("get", "namespace", namespace, "-o", "name"))
        .isEqualTo("namespace/" + namespace);
  }

  @Test
  void existingSecretInstallUsesThatSecretAndCreatesNone() {
    env.kubectl(
            "create",
            "secret",
            "generic",
            "ankra-agent-secret",
            "--namespace",
            namespace,
            "--from-literal=token=FROM_MY_SECRET")
        .assertSuccess();

    helm(
        "upgrade",
        "--install",
        RELEASE,
        chart(),
        "--namespace",
        namespace,
        "--set",
        "config.existing_secret_name=ankra-agent-secret",
        "--set",
        "config.secret_key=token");

    awaitAgentPods("Running", 1);
    assertThat(kubectl("get", "secrets", "-n", namespace, "-o", "name").lines())
        .filteredOn(name -> !name.startsWith("secret/sh.helm.release."))
        .containsExactly("secret/ankra-agent-secret");
    assertThat(
            kubectl(
                "get",
                "deployment",
                "-n",
                namespace,
                RELEASE,
                "-o",
                "jsonpath={.spec.template.spec.volumes[?(@.name==\"token\")].secret.secretName}"))
        .isEqualTo("ankra-agent-secret");

    helm("uninstall", RELEASE, "--namespace", namespace);
    assertThat(kubectl("get", "secret", "-n", namespace, "ankra-agent-secret", "-o", "name"))
        .as("the user's Secret is not ours to delete")
        .isEqualTo("secret/ankra-agent-secret");
  }

  @Test
  void twoReplicasAndTheNetworkPolicyInstallWithObjectsTheApiServerAccepts() throws IOException {
    // The test API server runs without an endpoint reconciler, so the kubernetes Service has no
    // EndpointSlice; this one stands in for it while the chart reads where the API server answers.
    String slice = "api-" + namespace;
    Path sliceFile = Files.createTempFile("api-server-slice", ".yaml");
    Files.writeString(
        sliceFile,
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s
          namespace: default
          labels:
            kubernetes.io/service-name: kubernetes
            endpointslice.kubernetes.io/managed-by: chart-install-test
        addressType: IPv4
        endpoints:
          - addresses: ["192.0.2.10"]
        ports:
          - name: https
            port: 6443
            protocol: TCP
        """
            .formatted(slice));
    try {
      env.kubectl("apply", "-f", sliceFile.toString()).assertSuccess();
      installWithBudgetAndPolicy();
    } finally {
      env.kubectl("delete", "endpointslice", slice, "-n", "default", "--ignore-not-found");
      Files.deleteIfExists(sliceFile);
    }
  }

  private void installWithBudgetAndPolicy() {
    helm(
        "upgrade",
        "--install",
        RELEASE,
        chart(),
        "--namespace",
        namespace,
        "--set",
        "config.token=t",
        "--set",
        "replica_count=2",
        "--set",
        "network_policy.enabled=true",
        "--set",
        "network_policy.nats.cidrs[0]=198.51.100.0/24");

    awaitAgentPods("Running", 2);
    assertThat(
            kubectl(
                "get",
                "poddisruptionbudget",
                "-n",
                namespace,
                RELEASE,
                "-o",
                "jsonpath={.spec.minAvailable} {.spec.selector.matchLabels}"))
        .isEqualTo(
            "1 {\"app.kubernetes.io/instance\":\"ankra-agent\",\"app.kubernetes.io/name\":\"ankra-agent\"}");
    await(
        "the budget counts both agent pods",
        () ->
            kubectl(
                    "get",
                    "poddisruptionbudget",
                    "-n",
                    namespace,
                    RELEASE,
                    "-o",
                    "jsonpath={.status.expectedPods}/{.status.disruptionsAllowed}")
                .equals("2/1"));

    assertThat(
            kubectl(
                "get",
                "networkpolicy",
                "-n",
                namespace,
                RELEASE,
                "-o",
                "jsonpath={.spec.podSelector.matchLabels.app\\.kubernetes\\.io/name}"
                    + " {.spec.policyTypes} {.spec.ingress}"))
        .isEqualTo(
            "ankra-agent [\"Ingress\",\"Egress\"] [{\"ports\":[{\"port\":8080,\"protocol\":\"TCP\"}]}]");
    // With no CIDRs given, install read the API server's addresses from the cluster itself.
    Set<String> apiServer = new TreeSet<>();
    apiServer.add(
        kubectl("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}")
            + "/32");
    for (String address :
        kubectl(
                "get",
                "endpointslices",
                "-n",
                "default",
                "-l",
                "kubernetes.io/service-name=kubernetes",
                "-o",
                "jsonpath={.items[*].endpoints[*].addresses[*]}")
            .split(" ")) {
      apiServer.add(address + "/32");
    }
    assertThat(apiServer).contains("192.0.2.10/32").hasSizeGreaterThanOrEqualTo(2);
    assertThat(
            Set.of(
                kubectl(
                        "get",
                        "networkpolicy",
                        "-n",
                        namespace,
                        RELEASE,
                        "-o",
                        "jsonpath={.spec.egress[0].to[*].ipBlock.cidr}")
                    .split(" ")))
        .isEqualTo(apiServer);
    assertThat(
            kubectl(
                "get",
                "networkpolicy",
                "-n",
                namespace,
                RELEASE,
                "-o",
                "jsonpath={range .spec.egress[*]}{.to[*].ipBlock.cidr}:{range .ports[*]}{.protocol}/{.port} {end};{end}"))
        .endsWith(
            ":TCP/443 TCP/6443 ;:UDP/53 TCP/53 ;0.0.0.0/0:TCP/443 ;198.51.100.0/24:TCP/4222 ;");

    helm("uninstall", RELEASE, "--namespace", namespace);
    await("budget and policy removed with the release", () -> ourObjectsLeft().isEmpty());
  }

  @Test
  void aWrongValueStopsTheInstallBeforeAnythingIsCreated() {
    CommandResult install =
        env.run(
            List.of(
                env.helm().toString(),
                "upgrade",
                "--install",
                RELEASE,
                chart(),
                "--namespace",
                namespace,
                "--set",
                "config.token=t",
                "--set",
                "read_worker_count=0"),
            Duration.ofMinutes(3));

    assertThat(install.exitCode()).isNotZero();
    assertThat(install.stderr()).contains("at '/read_worker_count'");
    assertThat(ourObjectsLeft()).isEmpty();
    assertThat(env.helm("list", "--namespace", namespace, "-q").assertSuccess().stdout()).isBlank();
  }

  private String chart() {
    return ChartFiles.chartDir().toString();
  }

  private void helm(String... args) {
    env.run(prepend(env.helm().toString(), args), Duration.ofMinutes(3)).assertSuccess();
  }

  private String kubectl(String... args) {
    return env.kubectl(args).assertSuccess().stdout().strip();
  }

  private String deploymentGeneration() {
    return kubectl(
        "get", "deployment", "-n", namespace, RELEASE, "-o", "jsonpath={.metadata.generation}");
  }

  private String agentPodNames() {
    return kubectl(
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        "app.kubernetes.io/name=ankra-agent",
        "-o",
        "jsonpath={.items[*].metadata.name}");
  }

  private String decodedToken() {
    String encoded =
        kubectl("get", "secret", "-n", namespace, RELEASE, "-o", "jsonpath={.data.token}");
    return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
  }

  private String agentEnv(String name) {
    return kubectl(
        "get",
        "deployment",
        "-n",
        namespace,
        RELEASE,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"" + name + "\")].value}");
  }

  /**
   * Waits until exactly {@code count} agent pods exist, all in {@code phase} and none terminating.
   * Fails at once when the ReplicaSet reports that pods are refused (e.g. by Pod Security
   * admission).
   */
  private void awaitAgentPods(String phase, int count) {
    await(
        count + " agent pod(s) " + phase,
        () -> {
          String refused =
              kubectl(
                  "get",
                  "replicasets",
                  "-n",
                  namespace,
                  "-l",
                  "app.kubernetes.io/name=ankra-agent",
                  "-o",
                  "jsonpath={.items[*].status.conditions[?(@.type==\"ReplicaFailure\")].message}");
          assertThat(refused).as("ReplicaSet failure").isEmpty();
          String phases =
              kubectl(
                  "get",
                  "pods",
                  "-n",
                  namespace,
                  "-l",
                  "app.kubernetes.io/name=ankra-agent",
                  "-o",
                  "jsonpath={range .items[*]}{.status.phase}{.metadata.deletionTimestamp}{\" \"}{end}");
          List<String> pods = Arrays.stream(phases.split(" ")).filter(s -> !s.isBlank()).toList();
          return pods.size() == count && pods.stream().allMatch(phase::equals);
        });
  }

  /** Objects in the namespace other than those Kubernetes puts into every namespace. */
  private Set<String> ourObjectsLeft() {
    Set<String> left = new TreeSet<>(namespacedObjects());
    left.removeAll(Set.of("serviceaccount/default", "configmap/kube-root-ca.crt"));
    return left;
  }

  private Set<String> namespacedObjects() {
    String kinds =
        "deployments,replicasets,pods,services,endpointslices,secrets,configmaps,serviceaccounts,roles,rolebindings,poddisruptionbudgets,networkpolicies";
    return Set.copyOf(
        kubectl("get", kinds, "-n", namespace, "-o", "name")
            .lines()
            // "deployment.apps/ankra-agent" -> "deployment/ankra-agent"
            .map(name -> name.replaceFirst("^([a-z]+)\\.[a-z0-9.]+/", "$1/"))
            .toList());
  }

  private void await(String what, Supplier<Boolean> condition) {
    Instant deadline = Instant.now().plus(POD_TIMEOUT);
    while (!condition.get()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "timed out after "
                + POD_TIMEOUT
                + " waiting for "
                + what
                + "\n"
                + env.kubectl("get", "all,events", "-n", namespace).stdout());
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  private static List<String> prepend(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return List.of(all);
  }
}
