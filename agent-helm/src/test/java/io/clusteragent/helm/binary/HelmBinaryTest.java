package io.clusteragent.helm.binary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The process handling of {@link HelmBinary} with real small processes: /bin/sh stands in for helm,
 * since the runner treats its binary as an opaque program.
 */
class HelmBinaryTest {

  @TempDir Path home;

  private HelmBinary shell(DataSize limit, Map<String, String> environment) {
    return new HelmBinary(
        new HelmSettings(Path.of("/bin/sh"), Duration.ofMinutes(1), limit),
        environment,
        home,
        Clock.systemUTC());
  }

  private HelmBinary shell(DataSize limit) {
    return shell(limit, Map.of("PATH", System.getenv("PATH")));
  }

  private static List<String> script(String script) {
    return List.of("-c", script, "sh");
  }

  @Test
  void outputWithinTheLimitIsReturnedWhole() throws Exception {
    HelmOutput out =
        shell(DataSize.ofKilobytes(64))
            .run(
                script("yes | head -c 50000"),
                Actor.AGENT,
                Duration.ofSeconds(30),
                new Cancellation());
    assertThat(out.stdout()).hasSize(50000);
  }

  @Test
  void outputBeyondTheLimitIsRefused() {
    assertThatThrownBy(() ->
            shell(DataSize.ofKilobytes(4))
                .run(
                    script("yes | head -c 100000"),
                    Actor.AGENT,
                    Duration.ofSeconds(30),
                    new Cancellation()))
        .isInstanceOf(CommandException.class)
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
  }

  @Test
  void endlessOutputIsRefusedAndTheProcessKilled() {
    long started = System.nanoTime();
    assertThatThrownBy(() ->
            shell(DataSize.ofKilobytes(4))
                .run(script("exec yes"), Actor.AGENT, Duration.ofSeconds(30), new Cancellation()))
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(liveChildren("yes")).isEmpty();
  }

  @Test
  void timeoutKillsTheProcess() {
    long started = System.nanoTime();
    assertThatThrownBy(() ->
            shell(DataSize.ofKilobytes(4))
                .run(
                    script("exec sleep 60"),
                    Actor.AGENT,
                    Duration.ofMillis(500),
                    new Cancellation()))
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(liveChildren("sleep")).isEmpty();
  }

  @Test
  void cancellationKillsTheProcess() throws Exception {
    Cancellation cancellation = new Cancellation();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(() -> {
          try {
            shell(DataSize.ofKilobytes(4))
                .run(script("exec sleep 60"), Actor.AGENT, Duration.ofSeconds(60), cancellation);
            outcome.complete(null);
          } catch (Throwable t) {
            outcome.complete(t);
          }
        });
    ProcessHandle sleeper = awaitChild("sleep");
    cancellation.cancel(new CloseReason.Cancelled("test"));
    assertThat(outcome.get(10, TimeUnit.SECONDS))
        .isInstanceOf(CommandException.class)
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.CANCELLED);
    assertThat(sleeper.isAlive()).isFalse();
  }

  @Test
  void interruptKillsTheProcess() throws Exception {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread worker =
        Thread.ofVirtual()
            .start(() -> {
              try {
                shell(DataSize.ofKilobytes(4))
                    .run(
                        script("exec sleep 60"),
                        Actor.AGENT,
                        Duration.ofSeconds(60),
                        new Cancellation());
                outcome.complete(null);
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    ProcessHandle sleeper = awaitChild("sleep");
    worker.interrupt();
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(sleeper.isAlive()).isFalse();
  }

  @Test
  void failureCarriesRedactedStderr() {
    assertThatThrownBy(() ->
            shell(DataSize.ofKilobytes(4))
                .run(
                    script("echo 'Error: upstream said Authorization: Bearer abc123' >&2; exit 1"),
                    Actor.AGENT,
                    Duration.ofSeconds(30),
                    new Cancellation()))
        .isInstanceOf(CommandException.class)
        .hasMessageNotContaining("abc123")
        .hasMessageContaining("[REDACTED]");
  }

  @Test
  void nonAgentActorIsImpersonatedWithHelmFlags() throws Exception {
    HelmOutput out =
        shell(DataSize.ofKilobytes(4))
            .run(
                script("printf '%s\\n' \"$@\""),
                new Actor("alice@example.com", List.of("devs", "ops")),
                Duration.ofSeconds(30),
                new Cancellation());
    assertThat(out.stdoutText().lines())
        .containsExactly(
            "--kube-as-user=alice@example.com", "--kube-as-group=devs", "--kube-as-group=ops");
    HelmOutput asAgent =
        shell(DataSize.ofKilobytes(4))
            .run(
                script("printf '%s\\n' \"$@\""),
                Actor.AGENT,
                Duration.ofSeconds(30),
                new Cancellation());
    assertThat(asAgent.stdoutText()).isBlank();
  }

  @Test
  void childSeesOnlyItsAllowedEnvironmentAndHelmHomesUnderTheGivenDirectory() throws Exception {
    Map<String, String> agentEnv =
        Map.of("PATH", System.getenv("PATH"), "KUBECONFIG", "/tmp/kc", "AGENT_TOKEN", "sekret");
    HelmOutput out =
        shell(DataSize.ofKilobytes(16), agentEnv)
            .run(script("env"), Actor.AGENT, Duration.ofSeconds(30), new Cancellation());
    assertThat(out.stdoutText())
        .contains("KUBECONFIG=/tmp/kc")
        .contains("HELM_CACHE_HOME=" + home.resolve("cache"))
        .contains("HELM_CONFIG_HOME=" + home.resolve("config"))
        .contains("HELM_DATA_HOME=" + home.resolve("data"))
        .doesNotContain("sekret");
  }

  /**
   * Children of this JVM running {@code program}; other children (test environment servers) are
   * ignored.
   */
  private static List<ProcessHandle> liveChildren(String program) {
    return ProcessHandle.current()
        .children()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("/" + program)).orElse(false))
        .toList();
  }

  private static ProcessHandle awaitChild(String program) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      var child = liveChildren(program).stream().findFirst();
      if (child.isPresent()) {
        return child.get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("child process did not start");
  }
}
