package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** pods/log and pods/exec go through the API server to kwok's kubelet-like server. */
@WithTestEnvironment
class PodLogsAndExecTest {

  static String ns;
  static String pod;

  @BeforeAll
  static void deploy(TestEnvironment env) throws Exception {
    ns = Workloads.uniqueNamespace(env, "logs");
    Workloads.applyDeployment(env, ns, "talker", 1);
    pod = Workloads.awaitRunningPods(env, ns, "talker", 1).getFirst().getMetadata().getName();
  }

  @Test
  void kubectlLogsFollowStreamsLinesAsTheyAreAppended(TestEnvironment env) throws Exception {
    Path logFile = env.appendPodLog(ns, pod, "first line");

    Process follow =
        env.processBuilder(env.kubectl().toString(), "logs", "-f", "-n", ns, pod).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        Thread.ofVirtual()
            .start(() -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (Exception ignored) {
                // process destroyed
              }
            });
    try {
      assertThat(lines.poll(30, TimeUnit.SECONDS))
          .as("existing line, log file %s", logFile)
          .isEqualTo("first line");

      for (int i = 1; i <= 3; i++) {
        String line = "appended line " + i;
        TestEnvironment.appendLog(logFile, line);
        // each line arrives while `kubectl logs -f` keeps running
        assertThat(lines.poll(30, TimeUnit.SECONDS)).isEqualTo(line);
        assertThat(follow.isAlive()).isTrue();
      }
    } finally {
      follow.destroy();
      follow.waitFor(10, TimeUnit.SECONDS);
      reader.join(5000);
    }
  }

  @Test
  void kubectlExecRunsTheCommand(TestEnvironment env) {
    CommandResult result =
        env.kubectl("exec", "-n", ns, pod, "--", "echo", "hello").assertSuccess();
    assertThat(result.stdout().strip()).isEqualTo("hello");
  }

  @Test
  void namespaceLogFileServesPodsWithoutOwnFile(TestEnvironment env) throws Exception {
    String ns2 = Workloads.uniqueNamespace(env, "nslogs");
    Path nsLog = env.namespaceLogFile(ns2);
    TestEnvironment.appendLog(nsLog, "from the namespace file");
    Workloads.applyDeployment(env, ns2, "quiet", 1);
    String pod2 =
        Workloads.awaitRunningPods(env, ns2, "quiet", 1).getFirst().getMetadata().getName();

    assertThat(env.kubectl("logs", "-n", ns2, pod2).assertSuccess().stdout())
        .isEqualTo("from the namespace file\n");
  }
}
