package io.clusteragent.testsupport;

import io.clusteragent.protocol.MessageSigner;
import io.clusteragent.protocol.PlatformKeys;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Handle on the real local test environment started by {@code bin/testenv}: kubeconfigs and API
 * clients for the cluster-admin and the non-admin user, the NATS URL, the OCI registry (HTTPS,
 * htpasswd user), helm and kubectl, command helpers, pod log files served by kwok, and nats-server
 * restarts.
 *
 * <p>Obtain it as a parameter of a test annotated with {@link WithTestEnvironment}, or via {@link
 * #get()}. The environment is started once per test JVM with {@code bin/testenv up --fresh} (a
 * clean cluster and JetStream store) in {@code testenv.dir} (default {@code target/testenv}); with
 * several surefire forks give each fork its own {@code testenv.dir}, e.g. {@code
 * target/testenv-${surefire.forkNumber}}.
 *
 * <p>Pod logs: kwok serves {@code pods/log} from files chosen by the test ({@link #podLogFile},
 * {@link #namespaceLogFile}, lines in CRI format via {@link #appendPodLog}/{@link #appendLog};
 * follow works). Pod exec: {@code kubectl exec} runs the command as a local process of the test
 * machine (kwok {@code ClusterExec}, working directory {@code <dir>/kwok-exec}). kwok never closes
 * the command's stdin, so a command that reads stdin to its end ({@code cat}, {@code tar x}, hence
 * {@code kubectl cp} into a pod) never finishes; one that stops on a count ({@code head -c}) does.
 *
 * <p>Registry: {@link #pushChart} pushes a packaged chart and logs helm in, so {@code helm install
 * NAME oci://...} of this environment pulls as users install; helm trusts the registry's
 * certificate through {@code SSL_CERT_FILE} = {@link #caBundleFile()}.
 *
 * <p>Prometheus: {@link #prometheus()} and {@link #promtool()}, built on first use.
 */
public final class TestEnvironment
    implements ExtensionContext.Store.CloseableResource, AutoCloseable {

  /** Default timeout of {@link #run(List)}. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(2);

  /** An OCI repository name: lowercase path components, as the distribution spec allows. */
  private static final Pattern REPOSITORY =
      Pattern.compile(
          "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");

  private static final DateTimeFormatter CRI_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private static volatile TestEnvironment shared;
  private static volatile RuntimeException startFailure;

  private final Path repoRoot;
  private final Path script;
  private final Path dir;
  private final Map<String, String> env;
  private final boolean keep;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ContainerEnvironment containers; // null with the default backend
  private volatile ApiClient adminClient;
  private volatile ApiClient nonAdminClient;
  private volatile Path prometheusBinDir;

  private TestEnvironment(
      Path repoRoot,
      Path dir,
      Map<String, String> env,
      boolean keep,
      ContainerEnvironment containers) {
    this.repoRoot = repoRoot;
    this.script = repoRoot.resolve("bin/testenv");
    this.dir = dir;
    this.env = Map.copyOf(env);
    this.keep = keep;
    this.containers = containers;
  }

  /** The environment started by {@link TestEnvironmentExtension} in this JVM. */
  public static TestEnvironment get() {
    TestEnvironment env = shared;
    if (env == null) {
      throw new IllegalStateException(
          "test environment not started: annotate the test class with @WithTestEnvironment");
    }
    return env;
  }

  static synchronized TestEnvironment startShared() {
    if (shared != null && !shared.closed.get()) {
      return shared;
    }
    if (startFailure != null) {
      throw new IllegalStateException(
          "test environment failed to start earlier in this JVM", startFailure);
    }
    try {
      return doStartShared();
    } catch (RuntimeException e) {
      startFailure = e;
      throw e;
    }
  }

  private static TestEnvironment doStartShared() {
    Path root = findRepoRoot(Path.of(System.getProperty("user.dir")).toAbsolutePath());
    String dirProperty = System.getProperty("testenv.dir");
    Path dir =
        (dirProperty != null && !dirProperty.isBlank())
            ? Path.of(dirProperty).toAbsolutePath()
            : Path.of(System.getProperty("user.dir")).toAbsolutePath().resolve("target/testenv");
    boolean keep = Boolean.getBoolean("testenv.keep");
    TestEnvironment env = start(root, dir, keep);
    shared = env;
    Runtime.getRuntime().addShutdownHook(new Thread(env::close, "testenv-shutdown"));
    return env;
  }

  /**
   * Starts (or reuses) an environment in {@code dir} with {@code bin/testenv up --fresh}, or from
   * containers when {@code -Dtestenv.backend=containers} ({@link TestEnvironmentBackend}). Prefer
   * the extension; this is for callers outside JUnit.
   */
  public static TestEnvironment start(Path repoRoot, Path dir, boolean keepRunning) {
    if (TestEnvironmentBackend.selected() == TestEnvironmentBackend.CONTAINERS) {
      return startContainers(repoRoot, dir);
    }
    Path script = repoRoot.resolve("bin/testenv");
    try {
      Files.createDirectories(dir);
      Path upLog = dir.resolveSibling(dir.getFileName() + "-up.log");
      List<String> up =
          new ArrayList<>(List.of(script.toString(), "up", "--fresh", "--dir", dir.toString()));
      if (!keepRunning) {
        up.addAll(List.of("--owner-pid", Long.toString(ProcessHandle.current().pid())));
      }
      Process p =
          new ProcessBuilder(up)
              .directory(repoRoot.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(upLog.toFile()))
              .start();
      if (!p.waitFor(60, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("bin/testenv up timed out; see " + upLog);
      }
      String upOutput = Files.readString(upLog);
      System.err.print(upOutput);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "bin/testenv up failed (exit "
                + p.exitValue()
                + "); logs in "
                + dir.resolve("logs")
                + "\n"
                + upOutput);
      }
      CommandResult envOut =
          exec(
                  List.of(script.toString(), "env", "--dir", dir.toString()),
                  Map.of(),
                  repoRoot,
                  Duration.ofMinutes(1))
              .assertSuccess();
      return new TestEnvironment(repoRoot, dir, parseExports(envOut.stdout()), keepRunning, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static TestEnvironment startContainers(Path repoRoot, Path dir) {
    Path script = repoRoot.resolve("bin/testenv");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // helm and kubectl are the same pinned binaries as with the local processes
    exec(List.of(script.toString(), "build"), Map.of(), repoRoot, Duration.ofMinutes(60))
        .assertSuccess();
    String binDir =
        exec(List.of(script.toString(), "bin-dir"), Map.of(), repoRoot, Duration.ofMinutes(1))
            .assertSuccess()
            .stdout()
            .strip();
    ContainerEnvironment containers = ContainerEnvironment.start(repoRoot, dir, binDir);
    return new TestEnvironment(repoRoot, dir, containers.variables(), false, containers);
  }

  static Path findRepoRoot(Path start) {
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("bin/testenv"))) {
        return p;
      }
    }
    throw new IllegalStateException("no bin/testenv found above " + start);
  }

  static Map<String, String> parseExports(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      line = line.strip();
      if (!line.startsWith("export ")) {
        continue;
      }
      int eq = line.indexOf('=');
      String key = line.substring("export ".length(), eq);
      String value = line.substring(eq + 1);
      if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
        value = value.substring(1, value.length() - 1);
      }
      out.put(key, value);
    }
    return out;
  }

  // ------------------------------------------------------------------ coordinates

  /**
   * The variables printed by {@code bin/testenv env} (KUBECONFIG, NATS_URL, HELM, KUBECTL, ...).
   */
  public Map<String, String> variables() {
    return env;
  }

  /** State directory: kubeconfigs, pki, logs/ (server logs), kwok-logs/, data/. */
  public Path dir() {
    return dir;
  }

  public Path repoRoot() {
    return repoRoot;
  }

  /** Directory holding one log file per server process. */
  public Path serverLogDir() {
    return Path.of(env.get("TESTENV_LOG_DIR"));
  }

  public Path adminKubeconfig() {
    return Path.of(env.get("TESTENV_ADMIN_KUBECONFIG"));
  }

  public String adminUser() {
    return env.get("TESTENV_ADMIN_USER");
  }

  public Path nonAdminKubeconfig() {
    return Path.of(env.get("TESTENV_NONADMIN_KUBECONFIG"));
  }

  /** Name of the user without any RBAC binding (its requests are authenticated but forbidden). */
  public String nonAdminUser() {
    return env.get("TESTENV_NONADMIN_USER");
  }

  public String apiServerUrl() {
    return env.get("TESTENV_APISERVER_URL");
  }

  /** The testenv CA: it signs the API server's, kwok's and the registry's certificates. */
  public Path caCertFile() {
    return Path.of(env.get("TESTENV_CA_FILE"));
  }

  /**
   * The system's CA certificates plus the testenv CA, PEM: Go programs (helm) read it through
   * {@code SSL_CERT_FILE} in place of the system's roots, so it keeps those.
   */
  public Path caBundleFile() {
    return Path.of(variable("TESTENV_CA_BUNDLE"));
  }

  /**
   * The OCI registry, {@code 127.0.0.1:PORT}: HTTPS with a certificate of {@link #caCertFile()}.
   */
  public String registryHost() {
    return variable("TESTENV_REGISTRY");
  }

  /** The registry's htpasswd user. */
  public String registryUsername() {
    return variable("TESTENV_REGISTRY_USERNAME");
  }

  /** The file holding {@link #registryUsername()}'s password: give it to stdin, never print it. */
  public Path registryPasswordFile() {
    return Path.of(variable("TESTENV_REGISTRY_PASSWORD_FILE"));
  }

  /** helm's registry credentials (written by {@code helm registry login}), under {@link #dir()}. */
  public Path helmRegistryConfig() {
    return dir.resolve("helm/config/registry/config.json");
  }

  private String variable(String name) {
    String value = env.get(name);
    if (value == null) {
      throw new IllegalStateException(
          name
              + (containers != null
                  ? " does not exist with -D" + TestEnvironmentBackend.PROPERTY + "=containers"
                  : " not set by bin/testenv env in "
                      + dir
                      + " (an environment from an older script?)"));
    }
    return value;
  }

  /**
   * Signs as the platform with the environment's key pair (made by {@code bin/testenv up}); agents
   * started for it trust {@link #platformPublicKeys()}.
   */
  public MessageSigner platformSigner() {
    try {
      return new MessageSigner(
          PlatformKeys.privateKey(Files.readString(Path.of(env.get("AGENTCTL_SIGNING_KEY_FILE")))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The platform public key agents of this environment trust, as PEM text. */
  public String platformPublicKeys() {
    try {
      return Files.readString(platformPublicKeyFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path platformPublicKeyFile() {
    return Path.of(env.get("AGENT_PLATFORM_SIGNING_KEYS_FILE"));
  }

  public String natsUrl() {
    return env.get("NATS_URL");
  }

  /**
   * Options for a platform-side connection that reconnects by itself, as agentctl's own does, for
   * tests that restart or cut nats-server while the platform keeps talking.
   */
  public io.nats.client.Options reconnectingNatsOptions() {
    return new io.nats.client.Options.Builder()
        .server(natsUrl())
        .maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(200))
        .build();
  }

  public Path helm() {
    return Path.of(env.get("HELM"));
  }

  public Path kubectl() {
    return Path.of(env.get("KUBECTL"));
  }

  /**
   * The pinned Prometheus server ({@code testenv/prometheus/go.mod}). Built on first use by {@code
   * bin/testenv build-prometheus} into its own cache directory (about 8 minutes on 2 cores the
   * first time, its progress on this JVM's stderr); later calls and runs reuse it.
   */
  public Path prometheus() {
    return prometheusBinDir().resolve("prometheus");
  }

  /** The pinned promtool, built with {@link #prometheus()}. */
  public Path promtool() {
    return prometheusBinDir().resolve("promtool");
  }

  private synchronized Path prometheusBinDir() {
    if (prometheusBinDir == null) {
      try {
        Process build =
            new ProcessBuilder(script.toString(), "build-prometheus")
                .directory(repoRoot.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        build.getOutputStream().close();
        CompletableFuture<String> out = drain(build.getInputStream());
        if (!build.waitFor(60, TimeUnit.MINUTES)) {
          build.destroyForcibly();
          throw new IllegalStateException("bin/testenv build-prometheus timed out");
        }
        if (build.exitValue() != 0) {
          throw new IllegalStateException(
              "bin/testenv build-prometheus failed (exit "
                  + build.exitValue()
                  + "); its output is on stderr above");
        }
        List<String> lines = out.join().strip().lines().toList();
        prometheusBinDir = Path.of(lines.getLast());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return prometheusBinDir;
  }

  /** Names of the kwok-simulated nodes. */
  public List<String> nodeNames() {
    return Arrays.stream(env.get("TESTENV_NODES").split("\\s+")).filter(s -> !s.isBlank()).toList();
  }

  /** Shared API client of the cluster-admin (group system:masters). */
  public ApiClient adminApiClient() {
    if (adminClient == null) {
      adminClient = apiClient(adminKubeconfig());
    }
    return adminClient;
  }

  /** Shared API client of {@link #nonAdminUser()}, who has no RBAC bindings. */
  public ApiClient nonAdminApiClient() {
    if (nonAdminClient == null) {
      nonAdminClient = apiClient(nonAdminKubeconfig());
    }
    return nonAdminClient;
  }

  /** A new API client for a kubeconfig file. */
  public static ApiClient apiClient(Path kubeconfig) {
    try {
      return Config.fromConfig(kubeconfig.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ commands

  /**
   * Environment variables for child processes: the variables of {@link #variables()} (KUBECONFIG is
   * the admin's), an isolated helm home under {@link #dir()} with its registry credentials {@link
   * #helmRegistryConfig()}, and {@code SSL_CERT_FILE} = {@link #caBundleFile()} so helm trusts the
   * registry.
   */
  public Map<String, String> commandEnvironment() {
    Map<String, String> e = new LinkedHashMap<>(env);
    Path helmHome = dir.resolve("helm");
    e.put("HELM_CACHE_HOME", helmHome.resolve("cache").toString());
    e.put("HELM_CONFIG_HOME", helmHome.resolve("config").toString());
    e.put("HELM_DATA_HOME", helmHome.resolve("data").toString());
    e.put("HELM_REGISTRY_CONFIG", helmRegistryConfig().toString());
    String bundle = env.get("TESTENV_CA_BUNDLE");
    if (bundle != null) {
      e.put("SSL_CERT_FILE", bundle);
    }
    return e;
  }

  /**
   * Runs a command with {@link #commandEnvironment()}, capturing output; does not throw on failure.
   */
  public CommandResult run(String... command) {
    return run(List.of(command));
  }

  public CommandResult run(List<String> command) {
    return run(command, DEFAULT_COMMAND_TIMEOUT);
  }

  public CommandResult run(List<String> command, Duration timeout) {
    return exec(command, commandEnvironment(), dir, timeout);
  }

  /** Like {@link #run(List)}, with the command's stdin read from {@code stdin}. */
  public CommandResult run(List<String> command, Path stdin) {
    return exec(command, commandEnvironment(), dir, DEFAULT_COMMAND_TIMEOUT, stdin);
  }

  /** Runs kubectl (admin kubeconfig) with the given arguments. */
  public CommandResult kubectl(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(kubectl().toString());
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  /** Runs kubectl as the non-admin user ({@link #nonAdminKubeconfig()}). */
  public CommandResult nonAdminKubectl(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(kubectl().toString(), "--kubeconfig", nonAdminKubeconfig().toString()));
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  /** Runs helm (admin kubeconfig, isolated helm home) with the given arguments. */
  public CommandResult helm(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(helm().toString());
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  // ------------------------------------------------------------------ OCI registry

  /**
   * Logs helm in to the registry as {@link #registryUsername()}: the password goes from its file to
   * helm's stdin ({@code --password-stdin}), never onto a command line, and helm keeps it in {@link
   * #helmRegistryConfig()}, which later helm commands of {@link #helm} use to pull.
   */
  public void registryLogin() {
    run(
            List.of(
                helm().toString(),
                "registry",
                "login",
                registryHost(),
                "--username",
                registryUsername(),
                "--password-stdin"),
            registryPasswordFile())
        .assertSuccess();
  }

  /**
   * Pushes a packaged chart ({@code helm package}'s {@code .tgz}) to {@code repository} of the
   * registry, logging helm in first, and returns {@code oci://127.0.0.1:PORT/<repository>}. helm
   * stores the chart at {@code <returned>/<chart name>:<chart version>}, so {@code helm install
   * NAME <returned>/<chart name> --version V} installs it.
   */
  public String pushChart(Path chartArchive, String repository) {
    if (!REPOSITORY.matcher(repository).matches()) {
      throw new IllegalArgumentException(
          "not an OCI repository name (lowercase path components): " + repository);
    }
    registryLogin();
    String reference = "oci://" + registryHost() + "/" + repository;
    helm("push", chartArchive.toString(), reference).assertSuccess();
    return reference;
  }

  /**
   * A process builder with {@link #commandEnvironment()}, for long-running commands such as {@code
   * kubectl logs -f}.
   */
  public ProcessBuilder processBuilder(String... command) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().putAll(commandEnvironment());
    return pb;
  }

  static CommandResult exec(
      List<String> command, Map<String, String> environment, Path workDir, Duration timeout) {
    return exec(command, environment, workDir, timeout, null);
  }

  private static CommandResult exec(
      List<String> command,
      Map<String, String> environment,
      Path workDir,
      Duration timeout,
      Path stdin) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
      pb.environment().putAll(environment);
      if (stdin != null) {
        pb.redirectInput(stdin.toFile());
      }
      Process p = pb.start();
      p.getOutputStream().close();
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "command timed out after "
                + timeout
                + ": "
                + String.join(" ", command)
                + "\n--- stdout ---\n"
                + out.getNow("")
                + "\n--- stderr ---\n"
                + err.getNow(""));
      }
      return new CommandResult(List.copyOf(command), p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            return buf.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        },
        command -> Thread.ofVirtual().start(command));
  }

  // ------------------------------------------------------------------ pod logs (served by kwok)

  /**
   * The log file kwok serves for every container of pod {@code namespace/pod} ({@code kubectl
   * logs}, {@code pods/log} with follow). Creates the file and a kwok {@code Logs} rule (name = pod
   * name) on first use; a per-pod rule wins over per-namespace rules.
   */
  public Path podLogFile(String namespace, String pod) {
    Path file = dir.resolve("kwok-logs").resolve(namespace).resolve(pod + ".log");
    ensureLogRule(
        file,
        """
        apiVersion: kwok.x-k8s.io/v1alpha1
        kind: Logs
        metadata:
          name: %s
          namespace: %s
        spec:
          logs:
          - logsFile: %s
            previousLogsFile: %s
            follow: true
        """
            .formatted(pod, namespace, file, previousLogFile(file)),
        namespace,
        pod);
    return file;
  }

  /**
   * The log file kwok serves for all pods of {@code namespace} that have no per-pod file ({@link
   * #podLogFile}). Creates the file and a kwok {@code ClusterLogs} rule on first use.
   */
  public Path namespaceLogFile(String namespace) {
    Path file = dir.resolve("kwok-logs").resolve(namespace).resolve("_namespace.log");
    ensureLogRule(
        file,
        """
        apiVersion: kwok.x-k8s.io/v1alpha1
        kind: ClusterLogs
        metadata:
          name: testenv-ns-%s
        spec:
          selector:
            matchNamespaces: [%s]
          logs:
          - logsFile: %s
            follow: true
        """
            .formatted(namespace, namespace, file),
        namespace,
        null);
    return file;
  }

  private synchronized void ensureLogRule(
      Path file, String manifest, String namespace, String pod) {
    try {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        Files.createFile(file);
      }
      Path manifestFile = file.resolveSibling(file.getFileName() + ".rule.yaml");
      if (!Files.exists(manifestFile) || !Files.readString(manifestFile).equals(manifest)) {
        Files.writeString(manifestFile, manifest);
        kubectl("apply", "--server-side", "-f", manifestFile.toString()).assertSuccess();
        // kwok picks the rule up through a watch: for an existing pod, wait until kwok serves its
        // log
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Thread.sleep(200);
        while (pod != null && System.nanoTime() < deadline) {
          CommandResult probe = kubectl("logs", "--tail=0", "-n", namespace, pod);
          if (probe.succeeded()
              || probe.stderr().contains("NotFound")
              || probe.stderr().contains("not found")
                  && !probe.stderr().contains("no logs found")) {
            break;
          }
          Thread.sleep(200);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Appends lines (as container stdout, CRI log format) to the log file of a pod; see {@link
   * #podLogFile}.
   */
  /**
   * The file kwok serves as the pod's previous container log ({@code logs --previous}); created
   * with its rule by {@link #podLogFile}.
   */
  public Path previousPodLogFile(String namespace, String pod) {
    return previousLogFile(podLogFile(namespace, pod));
  }

  private static Path previousLogFile(Path logFile) {
    return logFile.resolveSibling(logFile.getFileName() + ".previous");
  }

  public Path appendPodLog(String namespace, String pod, String... lines) {
    Path file = podLogFile(namespace, pod);
    appendLog(file, lines);
    return file;
  }

  /**
   * Appends lines to a kwok-served log file in CRI format ({@code <RFC3339Nano> stdout F <line>}).
   */
  public static void appendLog(Path file, String... lines) {
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      sb.append(CRI_TIME.format(Instant.now())).append(" stdout F ").append(line).append('\n');
    }
    try {
      Files.writeString(
          file,
          sb,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ nats-server control

  /** Stops nats-server (clients see a disconnect). */
  public void stopNats() {
    script("nats-stop");
  }

  /** Starts nats-server again on the same port with the same JetStream directory. */
  public void startNats() {
    script("nats-start");
  }

  /** Stops and starts nats-server on the same port, keeping JetStream data. */
  public void restartNats() {
    script("nats-restart");
  }

  // ------------------------------------------------------------------ API server and etcd

  /** Stops kube-apiserver and starts it again on the same port with the same etcd. */
  public void restartApiServer() {
    script("apiserver-restart");
  }

  /**
   * Compacts etcd's history up to its current revision, as the API server itself does every five
   * minutes: afterwards a watch or a continue token from before is answered 410 Gone once the API
   * server's watch cache no longer holds it. Returns the revision compacted to.
   */
  public long compactEtcd() {
    String etcd = env.get("TESTENV_ETCD_URL");
    try {
      HttpClient http = HttpClient.newHttpClient();
      String range =
          http.send(
                  HttpRequest.newBuilder(URI.create(etcd + "/v3/kv/range"))
                      .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"AA==\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher revision = Pattern.compile("\"revision\":\"(\\d+)\"").matcher(range);
      if (!revision.find()) {
        throw new IllegalStateException("etcd answered no revision: " + range);
      }
      long current = Long.parseLong(revision.group(1));
      HttpResponse<String> compacted =
          http.send(
              HttpRequest.newBuilder(URI.create(etcd + "/v3/kv/compaction"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"revision\":\"" + current + "\",\"physical\":true}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (compacted.statusCode() != 200) {
        throw new IllegalStateException("etcd compaction failed: " + compacted.body());
      }
      return current;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void script(String sub) {
    if (containers != null) {
      throw new UnsupportedOperationException(
          "bin/testenv "
              + sub
              + " acts on the local processes; this test needs -D"
              + TestEnvironmentBackend.PROPERTY
              + "=processes (the default)");
    }
    exec(
            List.of(script.toString(), sub, "--dir", dir.toString()),
            Map.of(),
            repoRoot,
            Duration.ofMinutes(2))
        .assertSuccess();
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops all processes ({@code bin/testenv down}) unless {@code testenv.keep=true}. Idempotent.
   */
  @Override
  public void close() {
    if (keep || !closed.compareAndSet(false, true)) {
      return;
    }
    if (adminClient != null) {
      adminClient.getHttpClient().dispatcher().executorService().shutdown();
    }
    if (containers != null) {
      containers.close();
      return;
    }
    exec(
        List.of(script.toString(), "down", "--dir", dir.toString()),
        Map.of(),
        repoRoot,
        Duration.ofMinutes(2));
  }

  @Override
  public String toString() {
    return "TestEnvironment[" + dir + ", api=" + apiServerUrl() + ", nats=" + natsUrl() + "]";
  }
}
