package io.clusteragent.helm.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.StreamLines;
import io.clusteragent.testsupport.AgentCtlRun;
import io.clusteragent.testsupport.AgentOnNats;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code agent.upgrade} end to end: the project's own chart (deploy/helm/ankra-agent) packaged at
 * two versions and pushed to the local OCI registry, installed the documented way, then upgraded by
 * a command through NATS with the installed values reused, as the "Upgrade Agent" button does.
 */
@WithTestEnvironment
class SelfUpgradeThroughNatsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "self-upgrade";
  private static final String TOKEN = "ank_cai_self-upgrade-test-token";

  @TempDir static Path work;

  private static TestEnvironment env;
  private static AgentOnNats agent;
  private static PlatformClient platform;
  private static String ns;
  private static String chart;

  @BeforeAll
  static void start(TestEnvironment environment) throws Exception {
    env = environment;
    ns = Workloads.uniqueNamespace(env, "ankra");
    Path source = env.repoRoot().resolve("deploy/helm/ankra-agent");
    for (String version : new String[] {"9.0.0", "9.0.1"}) {
      env.helm(
              "package",
              source.toString(),
              "--version",
              version,
              "--app-version",
              version,
              "--destination",
              work.toString())
          .assertSuccess();
      chart =
          env.pushChart(work.resolve("ankra-agent-" + version + ".tgz"), "self") + "/ankra-agent";
    }
    // the documented install, only the registry differs
    env.helm(
            "upgrade",
            "--install",
            "ankra-agent",
            chart,
            "--version",
            "9.0.0",
            "--namespace",
            ns,
            "--set",
            "config.token=" + TOKEN)
        .assertSuccess();
    // this JVM's agent poses as the release's pod, so its Events land on the release's Deployment
    String pod = awaitAgentPod();
    agent =
        AgentOnNats.start(
            env,
            CLUSTER,
            Map.of(
                "POD_NAME", pod,
                "POD_NAMESPACE", ns,
                "agent.self-upgrade.chart", chart));
    platform = agent.platform();
  }

  private static String awaitAgentPod() throws InterruptedException {
    long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      String pods =
          env.kubectl(
                  "get",
                  "pods",
                  "-n",
                  ns,
                  "-l",
                  "app.kubernetes.io/instance=ankra-agent",
                  "-o",
                  "jsonpath={.items[*].metadata.name}")
              .stdout()
              .trim();
      if (!pods.isEmpty()) {
        return pods.split(" ")[0];
      }
      if (System.nanoTime() > until) {
        throw new AssertionError("no pod of the ankra-agent release in " + ns);
      }
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void upgradesItsOwnReleaseReusingItsValuesAndRefusesADowngrade() throws Exception {
    JsonNode upgraded = upgrade("9.0.1", false);
    assertThat(upgraded.path("upgraded").booleanValue()).as(upgraded.toString()).isTrue();
    assertThat(upgraded.path("from").asString()).isEqualTo("9.0.0");
    assertThat(upgraded.path("revision").asInt()).isEqualTo(2);
    assertThat(upgraded.toString()).doesNotContain(TOKEN);
    // the cluster says so: the new chart's image, and the values it was installed with
    assertThat(
            env.kubectl(
                    "get",
                    "deploy",
                    "ankra-agent",
                    "-n",
                    ns,
                    "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}")
                .stdout())
        .endsWith(":9.0.1");
    assertThat(env.helm("get", "values", "ankra-agent", "-n", ns, "-o", "json").stdout())
        .contains(TOKEN);
    assertThat(
            env.kubectl(
                    "get",
                    "secret",
                    "sh.helm.release.v1.ankra-agent.v2",
                    "-n",
                    ns,
                    "-o",
                    "jsonpath={.metadata.labels.status}")
                .stdout())
        .isEqualTo("deployed");
    // and an operator sees it in kubectl describe deployment ankra-agent
    assertThat(eventMessages("SelfUpgradeStarted"))
        .singleElement()
        .asString()
        .contains("from chart 9.0.0 to 9.0.1");
    assertThat(eventMessages("SelfUpgradeFinished"))
        .singleElement()
        .asString()
        .contains("revision 2")
        .doesNotContain(TOKEN);

    assertThat(upgrade("9.0.1", false).path("message").asString()).isEqualTo("already at 9.0.1");

    JsonNode refused = upgrade("9.0.0", false);
    assertThat(refused.path("error").asString()).isEqualTo("CONFLICT");
    assertThat(refused.path("message").asString()).contains("refusing to downgrade");

    AgentCtlRun downgrade =
        AgentCtlRun.of(
            env,
            CLUSTER,
            "upgrade-agent",
            "9.0.0",
            "--allow-downgrade",
            "--username",
            env.registryUsername(),
            "--password-file",
            env.registryPasswordFile().toString());
    assertThat(downgrade.exit()).as(downgrade.toString()).isZero();
    assertThat(downgrade.out()).contains("ankra-agent: upgraded (9.0.1 -> 9.0.0)");
    assertThat(
            env.kubectl(
                    "get",
                    "secret",
                    "sh.helm.release.v1.ankra-agent.v3",
                    "-n",
                    ns,
                    "-o",
                    "jsonpath={.metadata.labels.status}")
                .stdout())
        .isEqualTo("deployed");
  }

  /** Runs agent.upgrade; an error frame comes back as {"error", "message"}. */
  private static JsonNode upgrade(String version, boolean allowDowngrade) throws Exception {
    ObjectNode payload = JSON.createObjectNode().put("version", version);
    if (allowDowngrade) {
      payload.put("allowDowngrade", true);
    }
    payload
        .putObject("auth")
        .put("username", env.registryUsername())
        .put("password", Files.readString(env.registryPasswordFile()).strip());
    try {
      return agent.streamToEnd("agent.upgrade", payload, Duration.ofMinutes(2));
    } catch (StreamLines.StreamFailedException e) {
      return JSON.createObjectNode().put("error", e.code()).put("message", e.getMessage());
    }
  }

  private static List<String> eventMessages(String reason) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      String out =
          env.kubectl(
                  "get",
                  "events",
                  "-n",
                  ns,
                  "--field-selector",
                  "involvedObject.kind=Deployment,involvedObject.name=ankra-agent,reason=" + reason,
                  "-o",
                  "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
              .stdout()
              .trim();
      if (!out.isEmpty() || System.nanoTime() > until) {
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
      }
      Thread.sleep(200);
    }
  }
}
