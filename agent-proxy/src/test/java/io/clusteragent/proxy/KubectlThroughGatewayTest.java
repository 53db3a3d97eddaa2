package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.KubeGateway;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A real kubectl pointed at agentctl's gateway: every request crosses the real nats-server to the
 * agent and is replayed against the real API server as the gateway's identity. Results are compared
 * with kubectl pointed straight at the API server.
 */
@WithTestEnvironment
class KubectlThroughGatewayTest {

  private static ConfigurableApplicationContext agent;
  private static Connection nats;
  private static KubeGateway admin;
  private static KubeGateway jane;
  private static Path adminConfig;
  private static Path janeConfig;
  private static String ns;
  private static String pod;

  @BeforeAll
  static void start(TestEnvironment env) throws Exception {
    SpringApplication app = new SpringApplication(AgentConfig.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(
        Map.of(
            "agent.nats.servers", env.natsUrl(),
            "agent.platform-signing-keys", env.platformPublicKeys(),
            "agent.nats.cluster-id", "gateway",
            "agent.shutdown-grace-period-seconds", "5",
            "KUBECONFIG", env.adminKubeconfig().toString()));
    agent = app.run();
    nats = Nats.connect(env.natsUrl());
    PlatformClient platform = new PlatformClient(nats, "agent", "gateway", env.platformSigner());
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    admin = new KubeGateway(platform, "admin", List.of("system:masters"), 0, quiet);
    admin.serveInBackground();
    jane = new KubeGateway(platform, env.nonAdminUser(), List.of(), 0, quiet);
    jane.serveInBackground();
    adminConfig = env.dir().resolve("gateway-admin.kubeconfig");
    Files.writeString(adminConfig, admin.kubeconfig("gateway"));
    janeConfig = env.dir().resolve("gateway-jane.kubeconfig");
    Files.writeString(janeConfig, jane.kubeconfig("gateway"));
    ns = Workloads.uniqueNamespace(env, "gw");
    Workloads.applyDeployment(env, ns, "talker", 1);
    pod = Workloads.awaitRunningPods(env, ns, "talker", 1).getFirst().getMetadata().getName();
    awaitAgent(env);
  }

  @AfterAll
  static void stop() throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (jane != null) {
      jane.close();
    }
    if (nats != null) {
      nats.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private static void awaitAgent(TestEnvironment env) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!via(env, adminConfig, "version", "-o", "json").succeeded()
        && System.nanoTime() < until) {
      Thread.sleep(200);
    }
  }

  private static CommandResult via(TestEnvironment env, Path kubeconfig, String... args) {
    List<String> command =
        new ArrayList<>(List.of(env.kubectl().toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return env.run(command);
  }

  @Test
  void readsGiveTheSameAnswersAsTheApiServerItself(TestEnvironment env) {
    CommandResult direct =
        env.kubectl("get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
            .assertSuccess();
    CommandResult tunnelled =
        via(env, adminConfig, "get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
            .assertSuccess();
    assertThat(tunnelled.stdout()).isEqualTo(direct.stdout()).contains(ns);

    CommandResult table = via(env, adminConfig, "get", "pods", "-n", ns).assertSuccess();
    assertThat(table.stdout()).contains("NAME").contains(pod);

    CommandResult resources = via(env, adminConfig, "api-resources").assertSuccess();
    assertThat(resources.stdout())
        .contains("configmaps")
        .contains("deployments")
        .contains("customresourcedefinitions");

    CommandResult explain = via(env, adminConfig, "explain", "configmap.data").assertSuccess();
    assertThat(explain.stdout()).contains("FIELD").contains("data");
  }

  @Test
  void writesOfEveryKindGoThrough(TestEnvironment env) throws Exception {
    Path manifest = env.dir().resolve("gw-cm.yaml");
    Files.writeString(
        manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: through\n  namespace: "
            + ns
            + "\ndata:\n  k: v1\n");
    via(env, adminConfig, "apply", "-f", manifest.toString()).assertSuccess();
    assertThat(
            env.kubectl("get", "cm", "through", "-n", ns, "-o", "jsonpath={.data.k}")
                .assertSuccess()
                .stdout())
        .isEqualTo("v1");

    Files.writeString(manifest, Files.readString(manifest).replace("k: v1", "k: v2"));
    via(env, adminConfig, "apply", "--server-side", "-f", manifest.toString()).assertSuccess();
    assertThat(
            env.kubectl("get", "cm", "through", "-n", ns, "-o", "jsonpath={.data.k}")
                .assertSuccess()
                .stdout())
        .isEqualTo("v2");

    via(
            env,
            adminConfig,
            "patch",
            "cm",
            "through",
            "-n",
            ns,
            "--type",
            "merge",
            "-p",
            "{\"data\":{\"k\":\"v3\"}}")
        .assertSuccess();
    via(
            env,
            adminConfig,
            "patch",
            "cm",
            "through",
            "-n",
            ns,
            "--type",
            "json",
            "-p",
            "[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"x\"}]")
        .assertSuccess();
    assertThat(
            env.kubectl("get", "cm", "through", "-n", ns, "-o", "jsonpath={.data.k}{.data.j}")
                .assertSuccess()
                .stdout())
        .isEqualTo("v3x");

    // a body larger than several NATS frames travels as stream input
    String big = "x".repeat(400_000);
    Files.writeString(
        manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: "
            + ns
            + "\ndata:\n  k: "
            + big
            + "\n");
    via(env, adminConfig, "create", "-f", manifest.toString()).assertSuccess();
    assertThat(
            via(env, adminConfig, "get", "cm", "big", "-n", ns, "-o", "jsonpath={.data.k}")
                .assertSuccess()
                .stdout())
        .isEqualTo(big);

    via(env, adminConfig, "delete", "cm", "through", "big", "-n", ns).assertSuccess();
    assertThat(env.kubectl("get", "cm", "through", "-n", ns).succeeded()).isFalse();
  }

  @Test
  void logsFollowAndWatchDeliverWhileTheyRun(TestEnvironment env) throws Exception {
    Path logFile = env.appendPodLog(ns, pod, "gateway first line");
    Process follow =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "logs",
                "-f",
                "-n",
                ns,
                pod)
            .start();
    Process watch =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "get",
                "cm",
                "-n",
                ns,
                "-w",
                "--no-headers")
            .start();
    BlockingQueue<String> logLines = lines(follow);
    BlockingQueue<String> watchLines = lines(watch);
    try {
      assertThat(logLines.poll(30, TimeUnit.SECONDS)).isEqualTo("gateway first line");
      TestEnvironment.appendLog(logFile, "gateway later line");
      assertThat(logLines.poll(30, TimeUnit.SECONDS)).isEqualTo("gateway later line");

      env.kubectl("create", "cm", "watched-later", "-n", ns).assertSuccess();
      String seen;
      do {
        seen = watchLines.poll(30, TimeUnit.SECONDS);
        assertThat(seen).as("a watch event while kubectl keeps watching").isNotNull();
      } while (!seen.startsWith("watched-later"));
      assertThat(follow.isAlive()).isTrue();
      assertThat(watch.isAlive()).isTrue();
    } finally {
      follow.destroy();
      watch.destroy();
      follow.waitFor(10, TimeUnit.SECONDS);
      watch.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void execCarriesOutputStdinAndTheExitStatus(TestEnvironment env) throws Exception {
    CommandResult exec =
        via(env, adminConfig, "exec", "-n", ns, pod, "--", "sh", "-c", "echo hi; exit 3");
    CommandResult direct = env.kubectl("exec", "-n", ns, pod, "--", "sh", "-c", "echo hi; exit 3");
    assertThat(exec.stdout().strip()).isEqualTo("hi");
    // kwok reports a non-zero exit as an error status carrying it; kubectl then exits 1 either way
    assertThat(exec.exitCode()).as(exec.stderr()).isEqualTo(direct.exitCode()).isNotZero();
    assertThat(exec.stderr()).contains("exit status 3");

    Process interactive =
        env.processBuilder(
                env.kubectl().toString(),
                "--kubeconfig",
                adminConfig.toString(),
                "exec",
                "-i",
                "-n",
                ns,
                pod,
                "--",
                "head",
                "-n",
                "2")
            .start();
    try (OutputStream stdin = interactive.getOutputStream()) {
      stdin.write("typed line one\ntyped line two\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(interactive.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String stderr = new String(interactive.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(new String(interactive.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .as("exit %d, stderr %s", interactive.exitValue(), stderr)
        .isEqualTo("typed line one\ntyped line two\n");
    assertThat(interactive.exitValue()).isZero();
  }

  @Test
  void theClusterRbacDecidesForTheGatewaysIdentityAndImpersonationCannotBeSmuggled(
      TestEnvironment env) {
    CommandResult denied = via(env, janeConfig, "get", "secrets", "-n", ns);
    assertThat(denied.succeeded()).isFalse();
    assertThat(denied.stderr()).contains("forbidden").contains(env.nonAdminUser());

    CommandResult smuggled =
        via(env, janeConfig, "--as=admin", "--as-group=system:masters", "get", "secrets", "-n", ns);
    assertThat(smuggled.succeeded()).as("kubectl --as through a non-admin gateway").isFalse();
    assertThat(smuggled.stderr()).contains("forbidden");
  }

  private static BlockingQueue<String> lines(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofVirtual()
        .start(() -> {
          try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
              lines.add(line);
            }
          } catch (Exception ignored) {
            // the process was stopped
          }
        });
    return lines;
  }

  @Configuration
  @EnableAutoConfiguration
  static class AgentConfig {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }
}
