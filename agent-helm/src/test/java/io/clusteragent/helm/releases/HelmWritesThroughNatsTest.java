package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.cli.StreamLines;
import io.clusteragent.helm.charts.ChartRepository;
import io.clusteragent.testsupport.AgentCtlRun;
import io.clusteragent.testsupport.AgentOnNats;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Helm write path end to end: agentctl and the platform client, through the real nats-server,
 * to a whole agent running the real helm against the real API server, with charts from a real HTTPS
 * chart repository that wants credentials. Every change is checked by reading the cluster (the
 * chart's objects and helm's release Secrets), not only by what helm said.
 */
@WithTestEnvironment
class HelmWritesThroughNatsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "helm-writes";
  private static final String USER = "charts";
  private static final String PASSWORD = "s3cret-Chart-Pass";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;

  private static TestEnvironment env;
  private static ChartRepository repository;
  private static AgentOnNats agent;
  private static PlatformClient platform;
  private static Path passwordFile;

  @BeforeAll
  static void start(TestEnvironment environment) throws Exception {
    env = environment;
    repository = ChartRepository.start(env, work.resolve("repo"), USER, PASSWORD);
    repository.publish(new TestChart("web", "0.1.0", true));
    repository.publish(new TestChart("web", "0.2.0", false));
    passwordFile = Files.writeString(work.resolve("password"), PASSWORD + "\n");
    // the agent's own namespace, where its release Leases live
    String stateNamespace = "writes-agent-" + UUID.randomUUID().toString().substring(0, 6);
    env.kubectl("create", "namespace", stateNamespace).assertSuccess();
    agent = AgentOnNats.start(env, CLUSTER, Map.of("POD_NAMESPACE", stateNamespace));
    platform = agent.platform();
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (repository != null) {
      repository.close();
    }
  }

  @Test
  void installUpgradeHistoryRollbackAndUninstallThroughAgentctl() throws Exception {
    String ns = "helm-life-" + Long.toHexString(System.nanoTime()).substring(6);
    Path hi = Files.writeString(work.resolve("hi.yaml"), "greeting: hi\n");
    Path hola = Files.writeString(work.resolve("hola.yaml"), "greeting: hola\nreplicas: 2\n");

    AgentCtlRun install =
        agentctl(
            "helm",
            "install",
            "web",
            "web",
            "-n",
            ns,
            "--create-namespace",
            "--repo",
            repository.url().toString(),
            "--version",
            "0.1.0",
            "--username",
            USER,
            "--password-file",
            passwordFile.toString(),
            "-f",
            hi.toString(),
            "--wait");
    assertThat(install.exit()).as(install.toString()).isZero();
    assertThat(install.out()).contains("STATUS: deployed", "REVISION: 1", "CHART: web-0.1.0");
    assertThat(install.out()).contains("Say hi to web.");
    assertThat(install.err()).contains("fetching-index", "installing", "done");
    assertThat(configMap(ns, "web-greeting", "greeting")).isEqualTo("hi");
    assertThat(configMap(ns, "web-extra", "extra")).isEqualTo("yes");
    assertThat(releaseSecrets(ns)).containsExactly("sh.helm.release.v1.web.v1:deployed");

    AgentCtlRun upgrade =
        agentctl(
            "helm",
            "upgrade",
            "web",
            "web",
            "-n",
            ns,
            "--repo",
            repository.url().toString(),
            "--version",
            "0.2.0",
            "--username",
            USER,
            "--password-file",
            passwordFile.toString(),
            "-f",
            hola.toString());
    assertThat(upgrade.exit()).as(upgrade.toString()).isZero();
    assertThat(upgrade.out()).contains("REVISION: 2", "CHART: web-0.2.0");
    assertThat(configMap(ns, "web-greeting", "greeting")).isEqualTo("hola");
    assertThat(configMap(ns, "web-greeting", "chartVersion")).isEqualTo("0.2.0");
    assertThat(
            env.kubectl("get", "deploy", "web-web", "-n", ns, "-o", "jsonpath={.spec.replicas}")
                .stdout())
        .isEqualTo("2");
    // 0.2.0 no longer renders the extra ConfigMap: helm removed it
    assertThat(env.kubectl("get", "cm", "web-extra", "-n", ns).exitCode()).isNotZero();
    assertThat(releaseSecrets(ns))
        .containsExactly(
            "sh.helm.release.v1.web.v1:superseded", "sh.helm.release.v1.web.v2:deployed");

    AgentCtlRun history = agentctl("helm", "history", "web", "-n", ns);
    assertThat(history.exit()).as(history.toString()).isZero();
    assertThat(history.out().lines().filter(l -> l.matches("^\\s*[12]\\s.*"))).hasSize(2);

    AgentCtlRun values = agentctl("helm", "values", "web", "-n", ns);
    assertThat(JSON.readTree(values.out()).path("greeting").asString()).isEqualTo("hola");
    AgentCtlRun manifest = agentctl("helm", "manifest", "web", "-n", ns);
    assertThat(manifest.out()).contains("name: web-greeting", "kind: Deployment");

    AgentCtlRun rollback = agentctl("helm", "rollback", "web", "1", "-n", ns);
    assertThat(rollback.exit()).as(rollback.toString()).isZero();
    assertThat(configMap(ns, "web-greeting", "greeting")).isEqualTo("hi");
    assertThat(configMap(ns, "web-extra", "extra")).isEqualTo("yes");
    AgentCtlRun status = agentctl("helm", "status", "web", "-n", ns);
    assertThat(status.out()).contains("REVISION: 3", "STATUS: deployed", "CHART: web-0.1.0");

    AgentCtlRun uninstall = agentctl("helm", "uninstall", "web", "-n", ns);
    assertThat(uninstall.exit()).as(uninstall.toString()).isZero();
    assertThat(env.kubectl("get", "cm", "web-greeting", "-n", ns).exitCode()).isNotZero();
    assertThat(releaseSecrets(ns)).isEmpty();

    for (AgentCtlRun run : List.of(install, upgrade, history, values, rollback, uninstall)) {
      assertThat(run.out() + run.err()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void aChartPushedToTheOciRegistryInstallsFromOciAsUsersInstall() throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-oci");
    Path archive = new TestChart("web", "0.5.0", false).packageInto(env, work.resolve("oci"));
    String reference = env.pushChart(archive, "charts") + "/web";
    assertThat(reference).startsWith("oci://" + env.registryHost() + "/");

    AgentCtlRun install =
        agentctl(
            "helm",
            "install",
            "reg",
            reference,
            "--version",
            "0.5.0",
            "-n",
            ns,
            "--username",
            env.registryUsername(),
            "--password-file",
            env.registryPasswordFile().toString());
    assertThat(install.exit()).as(install.toString()).isZero();
    assertThat(install.out()).contains("STATUS: deployed", "CHART: web-0.5.0");
    assertThat(configMap(ns, "reg-greeting", "chartVersion")).isEqualTo("0.5.0");
    assertThat(releaseSecrets(ns)).containsExactly("sh.helm.release.v1.reg.v1:deployed");
    String password = Files.readString(env.registryPasswordFile()).strip();
    assertThat(install.out() + install.err()).doesNotContain(password);

    // the registry wants credentials: without them the agent says so, and installs nothing
    AgentCtlRun anonymous =
        agentctl("helm", "install", "anon", reference, "--version", "0.5.0", "-n", ns);
    assertThat(anonymous.exit()).as(anonymous.toString()).isEqualTo(2);
    assertThat(anonymous.err()).contains("UPSTREAM_UNAVAILABLE");
    assertThat(releaseSecrets(ns)).containsExactly("sh.helm.release.v1.reg.v1:deployed");
  }

  @Test
  void anUploadedArchiveInstallsAndDiffShowsWhatAnUpgradeWouldChangeWithoutApplyingIt()
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-diff");
    Path archive = new TestChart("web", "0.3.0", true).packageInto(env, work.resolve("upload"));
    AgentCtlRun install = agentctl("helm", "install", "site", archive.toString(), "-n", ns);
    assertThat(install.exit()).as(install.toString()).isZero();
    assertThat(configMap(ns, "site-greeting", "greeting")).isEqualTo("hello");

    Path ciao = Files.writeString(work.resolve("ciao.yaml"), "greeting: ciao\n");
    ObjectNode payload =
        JSON.createObjectNode()
            .put("namespace", ns)
            .put("release", "site")
            .put("chart", "web")
            .put("repository", repository.url().toString())
            .put("version", "0.2.0")
            .put("values", Files.readString(ciao));
    payload.putObject("auth").put("username", USER).put("password", PASSWORD);
    Reply reply = platform.request("helm.releases.diff", payload, WAIT);
    assertThat(reply.ok()).as(reply.text()).isTrue();
    JsonNode diff = reply.json();
    assertThat(diff.path("installed").booleanValue()).isTrue();
    assertThat(changeOf(diff, "ConfigMap", "site-greeting").path("change").asString())
        .isEqualTo("changed");
    assertThat(changeOf(diff, "ConfigMap", "site-greeting").path("paths").toString())
        .contains("/data/greeting", "/data/chartVersion");
    assertThat(changeOf(diff, "ConfigMap", "site-greeting").path("diff").toString())
        .contains("-  greeting: \\\"hello\\\"", "+  greeting: \\\"ciao\\\"");
    assertThat(changeOf(diff, "ConfigMap", "site-extra").path("change").asString())
        .isEqualTo("removed");
    assertThat(changeOf(diff, "Deployment", "site-web").path("change").asString())
        .isEqualTo("unchanged");
    assertThat(diff.path("manifest").asString()).contains("site-greeting");
    assertThat(reply.text()).doesNotContain(PASSWORD);
    // nothing was applied
    assertThat(configMap(ns, "site-greeting", "greeting")).isEqualTo("hello");
    assertThat(releaseSecrets(ns)).containsExactly("sh.helm.release.v1.site.v1:deployed");

    AgentCtlRun cli =
        agentctl(
            Map.of("AGENTCTL_CHART_PASSWORD", PASSWORD),
            "helm",
            "diff",
            "site",
            "web",
            "-n",
            ns,
            "--repo",
            repository.url().toString(),
            "--version",
            "0.2.0",
            "--username",
            USER,
            "-f",
            ciao.toString());
    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out())
        .contains(
            "changed ConfigMap " + ns + "/site-greeting",
            "removed ConfigMap " + ns + "/site-extra",
            "0 added, 1 changed, 1 removed, 1 unchanged");
  }

  @Test
  void aSecondWriteOnABusyReleaseIsRefusedWithConflictAndNeverInterleaves() throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-lock");
    Path archive = new TestChart("web", "0.4.0", false).packageInto(env, work.resolve("lock"));
    assertThat(agentctl("helm", "install", "busy", archive.toString(), "-n", ns).exit()).isZero();

    // An upgrade that waits for a Deployment that can never become ready: it holds the release
    // until helm's own timeout ends it.
    ObjectNode slow = archivePayload(ns, "busy", archive, "nodeSelector: {no-such-label: x}\n");
    slow.put("wait", true).put("timeoutSeconds", 6);
    CompletableFuture<StreamOutcome> first =
        CompletableFuture.supplyAsync(() -> runStream("helm.releases.upgrade", slow));
    awaitReleaseStatus(ns, "busy", "pending-upgrade");

    StreamOutcome second =
        runStream("helm.releases.upgrade", archivePayload(ns, "busy", archive, "greeting: x\n"));
    assertThat(second.errorCode()).as(second.toString()).isEqualTo("CONFLICT");
    assertThat(second.errorMessage()).contains("another write on release " + ns + "/busy");
    AgentCtlRun uninstall = agentctl("helm", "uninstall", "busy", "-n", ns);
    assertThat(uninstall.exit()).isEqualTo(2);
    assertThat(uninstall.err()).contains("CONFLICT");

    StreamOutcome slowOutcome = first.get();
    assertThat(slowOutcome.errorCode()).as(slowOutcome.toString()).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(slowOutcome.events()).anyMatch(e -> e.path("phase").asString().equals("upgrading"));
    // two revisions: the install and the one upgrade that ran; the refused ones left no trace
    assertThat(releaseSecrets(ns))
        .containsExactly(
            "sh.helm.release.v1.busy.v1:deployed", "sh.helm.release.v1.busy.v2:failed");
    assertThat(configMap(ns, "busy-greeting", "greeting")).isEqualTo("hello");
  }

  @Test
  void badRequestsGetClearErrorsAndTheAgentKeepsServing() throws Exception {
    String ns = Workloads.uniqueNamespace(env, "helm-bad");
    String repo = repository.url().toString();

    assertError(install(ns, "a", "chart", "nope", "repository", repo), "NOT_FOUND", "nope");
    assertError(
        install(ns, "a", "chart", "web", "repository", "https://127.0.0.1:1/charts"),
        "UPSTREAM_UNAVAILABLE",
        "chart repository https://127.0.0.1:1/charts cannot be read");
    assertError(
        install(ns, "a", "chart", "web", "repository", repo, "values", "greeting: [unclosed\n"),
        "BAD_REQUEST",
        "values is not valid YAML at line");
    assertError(
        install(ns, "a", "chart", "web", "repository", repo, "values", "replicas: many\n"),
        "BAD_REQUEST",
        "schema");
    assertError(
        install(ns, "a", "chart", "file:///etc/passwd"), "BAD_REQUEST", "reads no local charts");
    assertError(install(ns, "a", "chart", "../../secrets"), "BAD_REQUEST", "local file");
    assertError(install(ns, "a", "chart", "/tmp/chart.tgz"), "BAD_REQUEST", "local file");
    assertError(
        install(ns, "a", "chart", "oci://user:pw@registry.example.com/charts/web"),
        "BAD_REQUEST",
        "credentials in the reference are refused");
    assertError(
        install(ns, "Bad_Name", "chart", "web", "repository", repo), "BAD_REQUEST", "release");

    ObjectNode wrongPassword = installPayload(ns, "a", "chart", "web", "repository", repo);
    wrongPassword.putObject("auth").put("username", USER).put("password", "not-" + PASSWORD);
    StreamOutcome refused = runStream("helm.releases.install", wrongPassword);
    assertThat(refused.errorCode()).as(refused.toString()).isEqualTo("UPSTREAM_UNAVAILABLE");
    assertThat(refused.toString()).doesNotContain("not-" + PASSWORD);

    Reply unknown =
        platform.request(
            "helm.releases.status",
            JSON.createObjectNode().put("namespace", ns).put("release", "ghost"),
            WAIT);
    assertThat(unknown.error().code()).isEqualTo("NOT_FOUND");
    AgentCtlRun uninstallGhost = agentctl("helm", "uninstall", "ghost", "-n", ns);
    assertThat(uninstallGhost.exit()).isEqualTo(2);
    assertThat(uninstallGhost.err()).contains("NOT_FOUND");

    assertThat(platform.request("ping", null, WAIT).ok()).isTrue();
    assertThat(env.kubectl("get", "cm", "-n", ns, "-o", "name").stdout()).doesNotContain("a-");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  record StreamOutcome(
      List<JsonNode> events, JsonNode summary, String errorCode, String errorMessage) {}

  private static StreamOutcome runStream(String type, JsonNode payload) {
    List<JsonNode> events = new ArrayList<>();
    try (PlatformStream stream = platform.openStream(type, payload, 8, Duration.ofMinutes(2))) {
      StreamLines lines = new StreamLines(stream, WAIT);
      JsonNode event;
      while ((event = lines.next()) != null) {
        events.add(event);
      }
      return new StreamOutcome(events, lines.summary(), null, null);
    } catch (StreamLines.StreamFailedException e) {
      return new StreamOutcome(events, null, e.code(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode installPayload(String ns, String release, String... fields) {
    ObjectNode payload = JSON.createObjectNode().put("namespace", ns).put("release", release);
    for (int i = 0; i < fields.length; i += 2) {
      payload.put(fields[i], fields[i + 1]);
    }
    return payload;
  }

  private static StreamOutcome install(String ns, String release, String... fields) {
    ObjectNode payload = installPayload(ns, release, fields);
    if (payload.has("repository")) {
      payload.putObject("auth").put("username", USER).put("password", PASSWORD);
    }
    return runStream("helm.releases.install", payload);
  }

  private static void assertError(StreamOutcome outcome, String code, String text) {
    assertThat(outcome.errorCode()).as(outcome.toString()).isEqualTo(code);
    assertThat(outcome.errorMessage()).as(outcome.toString()).contains(text);
    assertThat(outcome.toString()).doesNotContain(PASSWORD);
  }

  private static ObjectNode archivePayload(String ns, String release, Path archive, String values)
      throws Exception {
    return JSON.createObjectNode()
        .put("namespace", ns)
        .put("release", release)
        .put("archive", java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(archive)))
        .put("values", values);
  }

  private static JsonNode changeOf(JsonNode diff, String kind, String name) {
    for (JsonNode change : diff.path("changes")) {
      if (change.path("kind").asString().equals(kind)
          && change.path("name").asString().equals(name)) {
        return change;
      }
    }
    throw new AssertionError("no change for " + kind + " " + name + " in " + diff);
  }

  private static String configMap(String ns, String name, String key) {
    return env.kubectl("get", "cm", name, "-n", ns, "-o", "jsonpath={.data." + key + "}").stdout();
  }

  /** helm's own record of the release: its Secrets, as name:status, oldest first. */
  private static List<String> releaseSecrets(String ns) {
    String out =
        env.kubectl(
                "get",
                "secrets",
                "-n",
                ns,
                "-l",
                "owner=helm",
                "--sort-by=.metadata.name",
                "-o",
                "jsonpath={range .items[*]}{.metadata.name}:{.metadata.labels.status}{\"\\n\"}{end}")
            .stdout();
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  private static void awaitReleaseStatus(String ns, String release, String status)
      throws InterruptedException {
    long until = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < until) {
      String statuses =
          env.kubectl(
                  "get",
                  "secrets",
                  "-n",
                  ns,
                  "-l",
                  "owner=helm,name=" + release,
                  "-o",
                  "jsonpath={.items[*].metadata.labels.status}")
              .stdout();
      if (statuses.contains(status)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(release + " never reached " + status);
  }

  private static AgentCtlRun agentctl(String... args) {
    return AgentCtlRun.of(env, CLUSTER, args);
  }

  private static AgentCtlRun agentctl(Map<String, String> extra, String... args) {
    return AgentCtlRun.of(env, CLUSTER, extra, args);
  }
}
