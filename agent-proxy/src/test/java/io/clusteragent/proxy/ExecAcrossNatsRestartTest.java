package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.KubeGateway;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
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
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * nats-server restarted while a {@code kubectl exec -i} runs through agentctl's gateway and the
 * agent's tunnel: the session ends explicitly, kubectl exits with an error that says the connection
 * was lost (it neither hangs nor reports a cut session as a success), and the agent serves a fresh
 * exec afterwards with nothing of the old session left running.
 */
@WithTestEnvironment
class ExecAcrossNatsRestartTest {

  /** A bound, not a timing: kubectl must have given up by then, or it hangs. */
  private static final Duration EXIT_BOUND = Duration.ofSeconds(60);

  @Test
  void anInteractiveExecEndsWithAnErrorAcrossANatsRestartAndExecWorksAfter(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "nats-exec");
    String pod = Workloads.deployAndAwaitPodNames(env, ns, "app", 1).getFirst();
    // the platform side reconnects by itself, as agentctl's own connection does
    try (ConfigurableApplicationContext agent = InProcessAgent.start(env, "nats-exec", Map.of());
        Connection nats = Nats.connect(env.reconnectingNatsOptions())) {
      PlatformClient platform =
          new PlatformClient(nats, "agent", "nats-exec", env.platformSigner());
      InProcessAgent.awaitServing(platform);
      try (KubeGateway gateway =
          new KubeGateway(
              platform,
              "admin",
              List.of("system:masters"),
              0,
              new PrintStream(OutputStream.nullOutputStream()))) {
        gateway.serveInBackground();
        Path kubeconfig = env.dir().resolve("gateway-nats-exec.kubeconfig");
        Files.writeString(kubeconfig, gateway.kubeconfig("nats-exec"));

        // cat echoes each line it is given; kwok never closes its stdin, so it runs until cut
        Process session =
            kubectl(env, kubeconfig, "exec", "-i", "-n", ns, pod, "--", "cat").start();
        OutputStream stdin = session.getOutputStream();
        BlockingQueue<String> stdout = lines(session.getInputStream());
        ByteArrayOutputStream stderr = collect(session.getErrorStream());
        type(stdin, "before the restart");
        assertThat(stdout.poll(30, TimeUnit.SECONDS))
            .as("the session echoes typed input (stderr: %s)", stderr)
            .isEqualTo("before the restart");

        TrustTally tally = TrustTally.ofThisBuild();
        String fault = tally.injected("nats-server restarted during a proxied exec");
        long restarted = System.nanoTime();
        env.restartNats();
        platform.checkPath(Duration.ofSeconds(10));
        // Input typed after the restart must not come back as if the old session still ran.
        try {
          type(stdin, "after the restart");
        } catch (java.io.IOException closed) {
          // kubectl may already have ended: that is an explicit end too
        }
        boolean exited = session.waitFor(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
        long exitMillis = Duration.ofNanos(System.nanoTime() - restarted).toMillis();
        if (!exited) {
          session.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        List<String> echoedAfter = new ArrayList<>();
        stdout.drainTo(echoedAfter);
        int exit = exited ? session.exitValue() : -1;
        String error = stderr.toString(StandardCharsets.UTF_8);
        System.out.printf(
            "exec across a NATS restart: exited=%s code=%d after %d ms; stderr: %s; echoed after:"
                + " %s%n",
            exited, exit, exitMillis, error.strip(), echoedAfter);
        // a session that hung, or ended as a success, is a cut the user was not told about
        tally.messagesLost(
            exited && exit != 0 ? 0 : 1, "a proxied exec session across a nats-server restart");
        assertThat(exited).as("kubectl exits within %s; stderr: %s", EXIT_BOUND, error).isTrue();
        assertThat(exit).as("kubectl's exit code; stderr: %s", error).isNotZero();
        // the agent's reason, as the gateway's WebSocket close frame carries it to kubectl
        assertThat(error)
            .as("kubectl says the session's NATS connection was lost")
            .contains("NATS connection lost");

        // a fresh exec through the same agent and gateway: output and the exit status
        CommandResult fresh =
            run(env, kubeconfig, "exec", "-n", ns, pod, "--", "sh", "-c", "echo again; exit 3");
        assertThat(fresh.stdout().strip()).as(fresh.stderr()).isEqualTo("again");
        assertThat(fresh.exitCode()).as(fresh.stderr()).isNotZero();
        assertThat(fresh.stderr()).contains("exit status 3");
        Process interactive =
            kubectl(env, kubeconfig, "exec", "-i", "-n", ns, pod, "--", "head", "-n", "1").start();
        try (OutputStream in = interactive.getOutputStream()) {
          type(in, "typed after the restart");
        }
        assertThat(interactive.waitFor(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        String echoed =
            new String(interactive.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String interactiveError =
            new String(interactive.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(echoed).as(interactiveError).isEqualTo("typed after the restart\n");
        assertThat(interactive.exitValue()).as(interactiveError).isZero();

        // nothing of the cut session is left running, and the agent is ready
        // through the agent's own gauge: agent-proxy may not reach into agent-natsbridge
        MeterRegistry meters = agent.getBean(MeterRegistry.class);
        java.util.function.IntSupplier liveStreams =
            () -> (int) meters.get("agent.streams.live").gauge().value();
        CommandDispatcher dispatcher = agent.getBean(CommandDispatcher.class);
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((liveStreams.getAsInt() > 0 || dispatcher.runningCount() > 0)
            && System.nanoTime() < until) {
          Thread.sleep(100);
        }
        tally.leaked(
            liveStreams.getAsInt() + dispatcher.runningCount(),
            "live streams and running commands after an exec cut by a nats-server restart");
        assertThat(liveStreams.getAsInt()).as("live streams").isZero();
        assertThat(dispatcher.runningCount()).as("running commands").isZero();
        Map<String, HealthIndicator> readiness = agent.getBeansOfType(HealthIndicator.class);
        assertThat(readiness).isNotEmpty();
        readiness.forEach(
            (name, part) -> assertThat(part.health().getStatus()).as(name).isEqualTo(Status.UP));
        tally.survived(fault);
      }
    }
  }

  private static ProcessBuilder kubectl(TestEnvironment env, Path kubeconfig, String... args) {
    List<String> command =
        new ArrayList<>(List.of(env.kubectl().toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return env.processBuilder(command.toArray(String[]::new));
  }

  private static CommandResult run(TestEnvironment env, Path kubeconfig, String... args) {
    List<String> command =
        new ArrayList<>(List.of(env.kubectl().toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return env.run(command);
  }

  private static void type(OutputStream stdin, String line) throws java.io.IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  private static BlockingQueue<String> lines(InputStream in) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofVirtual()
        .start(() -> {
          try (BufferedReader reader =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
              lines.add(line);
            }
          } catch (java.io.IOException ignored) {
            // the process ended
          }
        });
    return lines;
  }

  /** Everything {@code in} yields, collected as it comes (read from another thread). */
  private static ByteArrayOutputStream collect(InputStream in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread.ofVirtual()
        .start(() -> {
          byte[] buffer = new byte[4096];
          try (in) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
              synchronized (out) {
                out.write(buffer, 0, read);
              }
            }
          } catch (java.io.IOException ignored) {
            // the process ended
          }
        });
    return out;
  }
}
