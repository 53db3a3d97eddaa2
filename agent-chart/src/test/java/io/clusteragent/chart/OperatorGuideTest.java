package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's operator section, run as an operator would run it: every command of its shell
 * blocks, in order, word for word through bash, against the test cluster with the chart pushed to
 * the test environment's OCI registry. Only the registry host differs from the documented commands.
 * Blocks marked as not run must hold only the commands named here, so nothing new slips out of the
 * test unnoticed.
 */
@WithTestEnvironment
class OperatorGuideTest {

  private static final String SECTION = "## Install, verify, upgrade, troubleshoot, uninstall";
  private static final String NOT_RUN = "<!-- OperatorGuideTest: not run";
  private static final String LOG_LINE = "operator guide: the agent's log line";
  private static final Pattern BLOCK =
      Pattern.compile(
          "(<!-- OperatorGuideTest: not run[^\\n]*\\n)?```sh\\n(.*?)```", Pattern.DOTALL);

  private final TestEnvironment env;

  OperatorGuideTest(TestEnvironment env) {
    this.env = env;
  }

  @Test
  void everyCommandOfTheReadmesOperatorSectionWorksAsWritten() throws Exception {
    List<String> run = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    commands(run, notRun);
    assertThat(notRun)
        .as("commands the test cannot run here (kwok runs no containers)")
        .allMatch(c ->
            c.startsWith("kubectl port-forward ")
                || c.startsWith("curl ")
                || c.startsWith("kubectl run --rm -it "))
        .hasSize(4);

    String chart = pushChart();
    String appVersion = chartYaml("appVersion");
    List<Step> expected = expectations(appVersion);
    assertThat(run).as("the README's runnable commands, in order").hasSize(expected.size());

    env.kubectl("delete", "namespace", "ankra", "--ignore-not-found", "--wait=true");
    try {
      for (int i = 0; i < run.size(); i++) {
        String command = run.get(i).replace("oci://ghcr.io/", chart);
        assertThat(run.get(i))
            .as("command %d of the README", i + 1)
            .startsWith(expected.get(i).startsWith());
        CommandResult result = bash(command);
        expected.get(i).check().accept(result);
        if (command.startsWith("helm upgrade --install")) {
          awaitAgentPodRunning();
          // what `kubectl logs` shows: kwok serves this file as the agent pod's output
          env.appendPodLog("ankra", agentPod(), LOG_LINE);
        }
      }
    } finally {
      env.helm("uninstall", "ankra-agent", "-n", "ankra", "--ignore-not-found");
      env.kubectl("delete", "namespace", "ankra", "--ignore-not-found", "--wait=false");
    }
  }

  /** One README command: how it starts, and what it must do. */
  private record Step(String startsWith, Consumer<CommandResult> check) {}

  /** What each README command must do, in README order. */
  private List<Step> expectations(String appVersion) {
    String install =
        "helm upgrade --install ankra-agent oci://ghcr.io/ankraio/ankra-agent/ankra-agent";
    String pods = "kubectl get pods -n ankra";
    String logs = "kubectl logs -n ankra -l app.kubernetes.io/name=ankra-agent";
    return List.of(
        new Step(install + " \\\n  --namespace ankra \\\n  --create-namespace", this::succeeded),
        new Step(pods, r -> assertThat(succeeded(r)).contains("ankra-agent-").contains("Running")),
        new Step(
            logs + " -f",
            r ->
                assertThat(r.stdout()).as("followed until the test stopped it").contains(LOG_LINE)),
        new Step("helm upgrade ankra-agent oci://", this::succeeded),
        new Step(
            "kubectl get deployment -n ankra ankra-agent -o jsonpath",
            r ->
                assertThat(succeeded(r))
                    .isEqualTo("ghcr.io/clusteragent/cluster-agent:" + appVersion)),
        new Step(pods, r -> assertThat(succeeded(r)).contains("Running")),
        new Step(logs + " --tail=100", r -> assertThat(succeeded(r)).contains(LOG_LINE)),
        new Step(
            "kubectl describe deployment -n ankra ankra-agent",
            r -> assertThat(succeeded(r)).contains("ankra-agent").contains("Replicas:")),
        new Step(
            "kubectl get secret -n ankra ankra-agent",
            r -> assertThat(succeeded(r)).isEqualTo("YOUR_UNIQUE_TOKEN")),
        new Step("kubectl create secret generic ankra-agent-secret", this::succeeded),
        new Step(
            install + " \\\n  --namespace ankra \\\n  --set config.existing_secret_name",
            r -> {
              succeeded(r);
              assertThat(
                      env.kubectl(
                              "get",
                              "deployment",
                              "-n",
                              "ankra",
                              "ankra-agent",
                              "-o",
                              "jsonpath={.spec.template.spec.volumes[?(@.name==\"token\")].secret.secretName}")
                          .stdout())
                  .isEqualTo("ankra-agent-secret");
              assertThat(env.kubectl("get", "secret", "-n", "ankra", "ankra-agent").exitCode())
                  .as("the chart's own token Secret is gone")
                  .isNotZero();
            }),
        new Step("helm uninstall ankra-agent -n ankra", this::succeeded),
        new Step("kubectl delete namespace ankra", this::succeeded));
  }

  private String succeeded(CommandResult r) {
    assertThat(r.exitCode()).as("exit code of a README command; stderr: %s", r.stderr()).isZero();
    return r.stdout().strip();
  }

  /** The README's operator section, its shell blocks split into commands (continuations joined). */
  private static void commands(List<String> run, List<String> notRun) throws Exception {
    String readme = Files.readString(ChartFiles.projectReadme());
    int start = readme.indexOf(SECTION);
    assertThat(start).as("README section " + SECTION).isNotNegative();
    int end = readme.indexOf("\n## ", start + SECTION.length());
    Matcher block = BLOCK.matcher(readme.substring(start, end < 0 ? readme.length() : end));
    while (block.find()) {
      List<String> into =
          block.group(1) != null && block.group(1).startsWith(NOT_RUN) ? notRun : run;
      StringBuilder command = new StringBuilder();
      for (String line : block.group(2).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        command.append(line);
        if (line.endsWith("\\")) {
          command.append('\n');
        } else {
          into.add(command.toString());
          command.setLength(0);
        }
      }
    }
  }

  /** The chart as the documented OCI reference serves it, pushed to the test registry. */
  private String pushChart() throws Exception {
    Path out = Files.createTempDirectory("operator-guide-chart");
    env.helm("package", ChartFiles.chartDir().toString(), "-d", out.toString()).assertSuccess();
    Path archive;
    try (var files = Files.list(out)) {
      archive = files.filter(f -> f.toString().endsWith(".tgz")).findFirst().orElseThrow();
    }
    String reference = env.pushChart(archive, "ankraio/ankra-agent");
    assertThat(reference).endsWith("/ankraio/ankra-agent");
    return "oci://" + env.registryHost() + "/";
  }

  /** A command run through bash as typed, with helm and kubectl on the PATH. */
  private CommandResult bash(String command) {
    String path =
        env.helm().getParent() + ":" + env.kubectl().getParent() + ":" + System.getenv("PATH");
    String script = "export PATH='" + path + "'\n";
    if (command.contains(" -f")) {
      // a followed log never ends: stop it once it had time to show what is there
      return env.run(
          List.of("bash", "-c", script + "timeout 10 " + command + "; true"),
          Duration.ofSeconds(60));
    }
    return env.run(List.of("bash", "-c", script + command), Duration.ofMinutes(3));
  }

  private String agentPod() {
    return env.kubectl(
            "get",
            "pods",
            "-n",
            "ankra",
            "-l",
            "app.kubernetes.io/name=ankra-agent",
            "-o",
            "jsonpath={.items[0].metadata.name}")
        .stdout()
        .strip();
  }

  private void awaitAgentPodRunning() throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    String phases = "";
    while (System.nanoTime() < until) {
      phases =
          env.kubectl(
                  "get",
                  "pods",
                  "-n",
                  "ankra",
                  "-l",
                  "app.kubernetes.io/name=ankra-agent",
                  "-o",
                  "jsonpath={.items[*].status.phase}")
              .stdout()
              .strip();
      if (phases.equals("Running")) {
        return;
      }
      Thread.sleep(250);
    }
    assertThat(phases).as("the agent pod's phase").isEqualTo("Running");
  }

  private static String chartYaml(String key) throws Exception {
    for (String line : Files.readAllLines(ChartFiles.chartDir().resolve("Chart.yaml"))) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).strip().replace("\"", "");
      }
    }
    throw new IllegalStateException("no " + key + " in Chart.yaml");
  }
}
