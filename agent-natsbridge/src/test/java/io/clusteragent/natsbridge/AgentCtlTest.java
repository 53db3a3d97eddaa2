package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.AgentCtl;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The platform-side CLI against a real agent: what a person runs after bin/run-local. */
@WithTestEnvironment
class AgentCtlTest {

  record Run(int exit, String out, String err) {}

  private static Run agentctl(TestEnvironment env, String... args) {
    return agentctl(
        env,
        new byte[0],
        Map.of(
            "NATS_URL",
            env.natsUrl(),
            "AGENTCTL_SIGNING_KEY_FILE",
            env.variables().get("AGENTCTL_SIGNING_KEY_FILE")),
        args);
  }

  private static Run agentctl(
      TestEnvironment env, byte[] stdin, Map<String, String> environment, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        AgentCtl.run(
            environment,
            new PrintStream(out, true),
            new PrintStream(err, true),
            new ByteArrayInputStream(stdin),
            args);
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void pingInfoSendAndStreamWork(TestEnvironment env) {
    try (RunningAgent agent =
        RunningAgent.start(
            env.natsUrl(),
            "ctl",
            Map.of(
                "KUBECONFIG",
                env.adminKubeconfig().toString(),
                "agent.nats.heartbeat-interval",
                "1s"))) {
      Run ping = agentctl(env, "--cluster", "ctl", "ping");
      assertThat(ping.exit()).as(ping.err()).isZero();
      assertThat(ping.out()).contains("pong");

      Run info = agentctl(env, "--cluster", "ctl", "info");
      assertThat(info.exit()).as(info.err()).isZero();
      assertThat(info.out()).contains("kubernetesVersion");

      Run stream =
          agentctl(
              env,
              "--cluster",
              "ctl",
              "stream",
              "--type",
              "test.counter",
              "--payload",
              "{\"count\":5,\"bytes\":4}");
      assertThat(stream.exit()).as(stream.err()).isZero();
      assertThat(stream.out().lines()).containsExactly("001", "002", "003", "004", "005");

      Run unknown = agentctl(env, "--cluster", "ctl", "send", "--type", "no.such");
      assertThat(unknown.exit()).isEqualTo(2);
      assertThat(unknown.err()).contains("UNKNOWN_TYPE");
    }
  }

  @Test
  void stdinBecomesTheStreamsInputAndAMissingSigningKeyIsAUsageError(TestEnvironment env) {
    try (RunningAgent agent = RunningAgent.start(env.natsUrl(), "ctl-in", Map.of())) {
      byte[] input = "first line\nsecond line\n".repeat(5000).getBytes(StandardCharsets.UTF_8);
      Run echo =
          agentctl(
              env,
              input,
              Map.of(
                  "NATS_URL",
                  env.natsUrl(),
                  "AGENTCTL_SIGNING_KEY_FILE",
                  env.variables().get("AGENTCTL_SIGNING_KEY_FILE")),
              "--cluster",
              "ctl-in",
              "stream",
              "--type",
              "test.echo",
              "--stdin");
      assertThat(echo.exit()).as(echo.err()).isZero();
      assertThat(echo.out()).isEqualTo(new String(input, StandardCharsets.UTF_8));
      assertThat(echo.err()).contains("\"bytes\":" + input.length);

      Run unsigned =
          agentctl(
              env, new byte[0], Map.of("NATS_URL", env.natsUrl()), "--cluster", "ctl-in", "ping");
      assertThat(unsigned.exit()).isEqualTo(1);
      assertThat(unsigned.err()).contains("no signing key");
    }
  }
}
