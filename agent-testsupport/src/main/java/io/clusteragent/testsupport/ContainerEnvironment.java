package io.clusteragent.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The test environment from container images ({@code -Dtestenv.backend=containers}): a k3s
 * container is the cluster, a nats container the NATS server, and helm and kubectl are the pinned
 * binaries of {@code bin/testenv build}. It writes the same files and variables as {@code
 * bin/testenv env} does for the parts it has (kubeconfigs of the admin and of a user without RBAC
 * bindings, the cluster CA, the platform signing key pair), so {@link TestEnvironment} serves tests
 * the same way; what only the local processes have (kwok, the registry, etcd) is absent.
 *
 * <p>Needs a container engine: this machine kind has none, so here this is compiled, not run.
 */
final class ContainerEnvironment implements AutoCloseable {

  /** Same minor Kubernetes version as the pinned local API server. */
  static final DockerImageName K3S = DockerImageName.parse("rancher/k3s:v1.36.3-k3s1");

  static final DockerImageName NATS = DockerImageName.parse("nats:2.12-alpine");

  private static final String TOKENS = "/etc/rancher/testenv/tokens.csv";
  private static final String NONADMIN = "jane";

  private final K3sContainer k3s;
  private final GenericContainer<?> nats;
  private final Map<String, String> variables;

  private ContainerEnvironment(
      K3sContainer k3s, GenericContainer<?> nats, Map<String, String> variables) {
    this.k3s = k3s;
    this.nats = nats;
    this.variables = Map.copyOf(variables);
  }

  /** The variables {@code bin/testenv env} would print, for the parts this backend has. */
  Map<String, String> variables() {
    return variables;
  }

  static ContainerEnvironment start(Path repoRoot, Path dir, String binDir) {
    String janeToken = UUID.randomUUID().toString();
    K3sContainer k3s = new K3sContainer(K3S);
    // K3sContainer's own command, plus static token auth for the user without bindings
    k3s.withCopyToContainer(
            Transferable.of(janeToken + "," + NONADMIN + "," + NONADMIN + "-uid\n"), TOKENS)
        .withCommand(
            "server",
            "--disable=traefik",
            "--tls-san=" + k3s.getHost(),
            "--kube-apiserver-arg=token-auth-file=" + TOKENS);
    GenericContainer<?> nats =
        new GenericContainer<>(NATS)
            .withCommand("-js", "-m", "8222")
            .withExposedPorts(4222, 8222)
            .waitingFor(Wait.forLogMessage(".*Server is ready.*", 1))
            .withStartupTimeout(Duration.ofMinutes(1));
    try {
      k3s.start();
      nats.start();
      return new ContainerEnvironment(
          k3s, nats, write(repoRoot, dir, binDir, k3s.getKubeConfigYaml(), janeToken, nats));
    } catch (RuntimeException e) {
      nats.stop();
      k3s.stop();
      throw e;
    }
  }

  private static Map<String, String> write(
      Path repoRoot,
      Path dir,
      String binDir,
      String adminKubeconfig,
      String janeToken,
      GenericContainer<?> nats) {
    try {
      Path pki = Files.createDirectories(dir.resolve("pki"));
      Path logs = Files.createDirectories(dir.resolve("logs"));
      Path admin = dir.resolve("kubeconfig-admin.yaml");
      Files.writeString(admin, adminKubeconfig);
      String server = field(adminKubeconfig, "server");
      Path ca = pki.resolve("ca.crt");
      Files.write(
          ca, Base64.getDecoder().decode(field(adminKubeconfig, "certificate-authority-data")));
      Path jane = dir.resolve("kubeconfig-" + NONADMIN + ".yaml");
      Files.writeString(jane, tokenKubeconfig(server, ca, NONADMIN, janeToken));
      Path signingKey = pki.resolve("platform-signing.key");
      Path signingPub = pki.resolve("platform-signing.pub");
      if (!Files.exists(signingKey)) {
        TestEnvironment.exec(
                List.of(
                    "openssl", "genpkey", "-algorithm", "ed25519", "-out", signingKey.toString()),
                Map.of(),
                repoRoot,
                Duration.ofSeconds(30))
            .assertSuccess();
        TestEnvironment.exec(
                List.of(
                    "openssl",
                    "pkey",
                    "-in",
                    signingKey.toString(),
                    "-pubout",
                    "-out",
                    signingPub.toString()),
                Map.of(),
                repoRoot,
                Duration.ofSeconds(30))
            .assertSuccess();
      }
      Map<String, String> v = new LinkedHashMap<>();
      v.put("TESTENV_DIR", dir.toString());
      v.put("TESTENV_BACKEND", "containers");
      v.put("KUBECONFIG", admin.toString());
      v.put("TESTENV_ADMIN_KUBECONFIG", admin.toString());
      v.put("TESTENV_ADMIN_USER", "system:admin");
      v.put("TESTENV_NONADMIN_USER", NONADMIN);
      v.put("TESTENV_NONADMIN_KUBECONFIG", jane.toString());
      v.put("TESTENV_APISERVER_URL", server);
      v.put("TESTENV_CA_FILE", ca.toString());
      v.put("NATS_URL", "nats://" + nats.getHost() + ":" + nats.getMappedPort(4222));
      v.put(
          "TESTENV_NATS_MONITOR_URL", "http://" + nats.getHost() + ":" + nats.getMappedPort(8222));
      v.put("HELM", binDir + "/helm");
      v.put("KUBECTL", binDir + "/kubectl");
      v.put("TESTENV_BIN", binDir);
      v.put("TESTENV_LOG_DIR", logs.toString());
      v.put("TESTENV_NODES", "");
      v.put("AGENT_PLATFORM_SIGNING_KEYS_FILE", signingPub.toString());
      v.put("AGENTCTL_SIGNING_KEY_FILE", signingKey.toString());
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A kubeconfig authenticating with a bearer token, in bin/testenv's layout. */
  static String tokenKubeconfig(String server, Path ca, String user, String token) {
    return """
    apiVersion: v1
    kind: Config
    clusters:
    - name: testenv
      cluster:
        server: %s
        certificate-authority: %s
    users:
    - name: %s
      user:
        token: %s
    contexts:
    - name: %s
      context:
        cluster: testenv
        user: %s
    current-context: %s
    """
        .formatted(server, ca, user, token, user, user, user);
  }

  /** One scalar of a kubeconfig that has one cluster (k3s writes exactly one). */
  static String field(String kubeconfig, String name) {
    Matcher m =
        Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + ":\\s*(\\S+)\\s*$").matcher(kubeconfig);
    if (!m.find()) {
      throw new IllegalStateException("kubeconfig from k3s has no " + name);
    }
    return m.group(1);
  }

  /** Keeps each container's output beside the local backend's server logs, then stops both. */
  @Override
  public void close() {
    Path logs = Path.of(variables.get("TESTENV_LOG_DIR"));
    for (var c : List.of(nats, k3s)) {
      try {
        Files.writeString(
            logs.resolve(c.getDockerImageName().replaceAll("[^a-z0-9.]+", "_") + ".log"),
            c.getLogs(),
            StandardCharsets.UTF_8);
      } catch (IOException | RuntimeException e) {
        // the logs are a courtesy; stopping is what matters
      }
    }
    nats.stop();
    k3s.stop();
  }
}
