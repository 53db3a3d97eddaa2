package io.clusteragent.helm.binary;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that runs helm: a child process with an explicit argument list (never a shell), a
 * minimal environment, bounded output, a timeout and cancellation that both kill it.
 */
public final class HelmBinary {

  private static final Logger log = LoggerFactory.getLogger(HelmBinary.class);

  /**
   * Variables the child may inherit: what helm and client-go need, nothing of the agent's own
   * secrets.
   */
  private static final List<String> INHERITED_VARIABLES =
      List.of(
          "PATH",
          "KUBECONFIG",
          "KUBERNETES_SERVICE_HOST",
          "KUBERNETES_SERVICE_PORT",
          "HTTPS_PROXY",
          "HTTP_PROXY",
          "NO_PROXY",
          "https_proxy",
          "http_proxy",
          "no_proxy",
          // a private CA for chart repositories and registries (Go reads these, not the JVM's)
          "SSL_CERT_FILE",
          "SSL_CERT_DIR",
          "TZ");

  /** stderr only feeds error messages: a small cap is plenty and keeps a chatty --debug cheap. */
  private static final int STDERR_LIMIT = 64 * 1024;

  /**
   * How long a killed helm gets to exit on SIGTERM (it releases its storage lock) before SIGKILL.
   */
  private static final Duration KILL_GRACE = Duration.ofSeconds(2);

  /** How often the wait loop looks at the cancellation flag, for callers that do not interrupt. */
  private static final Duration CANCEL_POLL = Duration.ofMillis(100);

  private final Path binary;
  private final Duration commandTimeout;
  private final int maxOutputBytes;
  private final Map<String, String> childEnvironment;
  private final Clock clock;

  /**
   * @param agentEnvironment the agent's environment ({@code System.getenv()}); KUBECONFIG is taken
   *     from it when set (local runs, tests), otherwise helm uses the in-cluster service account
   * @param helmHome writable directory for helm's cache/config/data (the image's root FS is
   *     read-only)
   */
  public HelmBinary(
      HelmSettings settings, Map<String, String> agentEnvironment, Path helmHome, Clock clock) {
    this.binary = settings.binary();
    this.commandTimeout = settings.commandTimeout();
    this.maxOutputBytes = Math.toIntExact(settings.maxOutputSize().toBytes());
    this.clock = clock;
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (String name : INHERITED_VARIABLES) {
      String value = agentEnvironment.get(name);
      if (value != null && !value.isEmpty()) {
        env.put(name, value);
      }
    }
    env.put("HOME", helmHome.toString());
    env.put("HELM_CACHE_HOME", helmHome.resolve("cache").toString());
    env.put("HELM_CONFIG_HOME", helmHome.resolve("config").toString());
    env.put("HELM_DATA_HOME", helmHome.resolve("data").toString());
    this.childEnvironment = Map.copyOf(env);
  }

  public Path binary() {
    return binary;
  }

  /** How long a run may take: the configured timeout, cut short by the command's deadline. */
  public Duration timeoutFor(Instant deadline) {
    if (deadline == null) {
      return commandTimeout;
    }
    Duration left = Duration.between(clock.instant(), deadline);
    return left.compareTo(commandTimeout) < 0 ? left : commandTimeout;
  }

  /**
   * Runs helm with {@code arguments} for {@code actor}, waiting at most {@code timeout}.
   *
   * @throws CommandException a stable error: helm's failure mapped by {@link HelmFailure},
   *     PAYLOAD_TOO_LARGE when stdout passes the limit, DEADLINE_EXCEEDED, or CANCELLED
   * @throws InterruptedException when the command's thread is interrupted (the helm process is
   *     killed first)
   */
  public HelmOutput run(
      List<String> arguments, Actor actor, Duration timeout, Cancellation cancellation)
      throws CommandException, InterruptedException {
    return run(arguments, actor, timeout, cancellation, null);
  }

  /**
   * As {@link #run(List, Actor, Duration, Cancellation)}, handing each line helm writes to stderr
   * (redacted) to {@code progress} while it runs.
   */
  public HelmOutput run(
      List<String> arguments,
      Actor actor,
      Duration timeout,
      Cancellation cancellation,
      Consumer<String> progress)
      throws CommandException, InterruptedException {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new CommandException(ErrorCode.DEADLINE_EXCEEDED, "no time left to run helm");
    }
    if (cancellation.isCancelled()) {
      throw new CommandException(ErrorCode.CANCELLED, cancellation.reason().message());
    }
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(arguments);
    command.addAll(impersonation(actor));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(childEnvironment);
    Process process;
    try {
      process = builder.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "cannot start helm at " + binary + ": " + e.getMessage(), e);
    }
    AtomicBoolean tooLarge = new AtomicBoolean();
    CompletableFuture<BoundedCapture.Captured> stdout =
        readAsync(
            new BoundedCapture(
                maxOutputBytes,
                () -> {
                  // Refuse rather than truncate: a cut JSON document is worse than none.
                  tooLarge.set(true);
                  kill(process);
                }),
            process.getInputStream());
    CompletableFuture<BoundedCapture.Captured> stderr =
        readAsync(
            new BoundedCapture(
                STDERR_LIMIT,
                () -> {},
                progress == null ? null : line -> progress.accept(SecretRedaction.redact(line))),
            process.getErrorStream());
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!process.waitFor(
          Math.min(CANCEL_POLL.toNanos(), Math.max(deadline - System.nanoTime(), 0)),
          TimeUnit.NANOSECONDS)) {
        if (cancellation.isCancelled()) {
          kill(process);
          throw new CommandException(ErrorCode.CANCELLED, cancellation.reason().message());
        }
        if (System.nanoTime() - deadline >= 0) {
          kill(process);
          throw new CommandException(
              ErrorCode.DEADLINE_EXCEEDED,
              "helm did not finish within " + timeout.toSeconds() + "s");
        }
      }
      BoundedCapture.Captured out = stdout.get();
      String err = new String(stderr.get().bytes(), StandardCharsets.UTF_8);
      if (tooLarge.get() || out.overflowed()) {
        throw new CommandException(
            ErrorCode.PAYLOAD_TOO_LARGE,
            "helm output exceeded the limit of "
                + maxOutputBytes
                + " bytes (agent.helm.max-output-size)");
      }
      int exit = process.exitValue();
      if (exit != 0) {
        CommandException failure = HelmFailure.from(exit, err);
        log.debug(
            "helm {} failed ({}): {}",
            arguments.isEmpty() ? "" : arguments.getFirst(),
            failure.code(),
            failure.getMessage());
        throw failure;
      }
      return new HelmOutput(out.bytes(), SecretRedaction.redact(err));
    } catch (InterruptedException e) {
      kill(process);
      throw e;
    } catch (ExecutionException e) {
      kill(process);
      throw new CommandException(
          ErrorCode.INTERNAL, "reading helm output failed: " + e.getCause(), e);
    } finally {
      if (process.isAlive()) {
        kill(process);
      }
    }
  }

  /**
   * Helm's own flags for impersonation, so the API server's RBAC judges the platform user, not the
   * agent.
   */
  static List<String> impersonation(Actor actor) {
    if (actor == null || actor.isAgent()) {
      return List.of();
    }
    List<String> flags = new ArrayList<>();
    // "--flag=value" keeps a value that starts with '-' from reading as another flag.
    flags.add("--kube-as-user=" + actor.user());
    for (String group : actor.groups()) {
      flags.add("--kube-as-group=" + group);
    }
    return flags;
  }

  private static CompletableFuture<BoundedCapture.Captured> readAsync(
      BoundedCapture capture, java.io.InputStream in) {
    CompletableFuture<BoundedCapture.Captured> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("helm-output")
        .start(() -> {
          try {
            result.complete(capture.read(in));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  /**
   * SIGTERM first so helm can release what it holds, SIGKILL after a short grace. Also kills
   * children (kubeconfig exec credential plugins) so nothing outlives the command.
   */
  static void kill(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    boolean exited;
    try {
      exited = process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      // Already being torn down: skip the grace, but keep the interrupt for our caller.
      Thread.currentThread().interrupt();
      exited = false;
    }
    if (!exited) {
      process.destroyForcibly();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }
}
