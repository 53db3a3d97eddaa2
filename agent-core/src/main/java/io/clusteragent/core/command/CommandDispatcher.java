package io.clusteragent.core.command;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands: finds the handler, takes a permit from its job class's bulkhead, runs it on a
 * virtual thread until its deadline, and reports the result. Transport-agnostic: the NATS bridge
 * calls {@link #dispatch}; tests call it directly.
 */
public final class CommandDispatcher {

  private static final Logger log = LoggerFactory.getLogger(CommandDispatcher.class);
  private static final Duration BUSY_RETRY_HINT = Duration.ofSeconds(1);

  private final Map<String, CommandHandler> handlers;
  private final JobBulkheads bulkheads;
  private final MeterRegistry meters;
  private final Clock clock;
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("job-", 0).factory());
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("job-deadlines").factory());
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private volatile boolean accepting = true;

  public CommandDispatcher(
      List<CommandHandler> handlers, JobBulkheads bulkheads, MeterRegistry meters, Clock clock) {
    Map<String, CommandHandler> byType = new HashMap<>();
    for (CommandHandler handler : handlers) {
      CommandHandler previous = byType.put(handler.type(), handler);
      if (previous != null) {
        throw new IllegalStateException("two handlers for command type " + handler.type());
      }
    }
    this.handlers = Map.copyOf(byType);
    this.bulkheads = bulkheads;
    this.meters = meters;
    this.clock = clock;
  }

  public boolean knows(String type) {
    return handlers.containsKey(type);
  }

  public boolean isStreaming(String type) {
    CommandHandler handler = handlers.get(type);
    return handler != null && handler.streaming();
  }

  /** Whether {@code type} changes the cluster (its job class is {@link JobClass#WRITE}). */
  public boolean isWrite(String type) {
    return jobClass(type) == JobClass.WRITE;
  }

  /** The job class of {@code type}'s handler; null for a type nobody handles. */
  public JobClass jobClass(String type) {
    CommandHandler handler = handlers.get(type);
    return handler == null ? null : handler.jobClass();
  }

  /** Starts a unary command: no stream, a cancellation of its own. */
  public CompletableFuture<CommandResult> dispatch(CommandRequest request) {
    return dispatch(request, StreamSink.NONE, new Cancellation());
  }

  /**
   * Starts a command. The future completes with its result; it never completes exceptionally.
   * Rejections (unknown type, busy, shutting down, expired) complete it at once. A streaming
   * command passes its stream and the stream's cancellation, so a stall or a lost consumer and a
   * platform cancel or the deadline are one and the same record.
   */
  public CompletableFuture<CommandResult> dispatch(
      CommandRequest request, StreamSink stream, Cancellation cancellation) {
    CommandHandler handler = handlers.get(request.type());
    if (handler == null) {
      return done(
          request,
          "none",
          new CommandResult.Failure(
              ErrorCode.UNKNOWN_TYPE, "unknown command type '" + request.type() + "'"));
    }
    String jobClass = handler.jobClass().metricName();
    if (!accepting) {
      return done(request, jobClass, failure(new CloseReason.ShuttingDown()));
    }
    Instant now = clock.instant();
    if (request.deadline() != null && !request.deadline().isAfter(now)) {
      return done(
          request,
          jobClass,
          new CommandResult.Failure(
              ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the command started"));
    }
    if (!bulkheads.tryAcquire(handler.jobClass())) {
      return done(request, jobClass, new CommandResult.Busy(handler.jobClass(), BUSY_RETRY_HINT));
    }
    Running job = new Running(handler, cancellation);
    if (running.putIfAbsent(request.id(), job) != null) {
      bulkheads.release(handler.jobClass());
      return done(
          request,
          jobClass,
          new CommandResult.Failure(
              ErrorCode.BAD_REQUEST, "a command with id " + request.id() + " is already running"));
    }
    CompletableFuture<CommandResult> result = new CompletableFuture<>();
    ScheduledFuture<?> deadlineTimer =
        request.deadline() == null
            ? null
            : deadlines.schedule(
                () -> cancellation.cancel(new CloseReason.DeadlineExceeded()),
                Duration.between(now, request.deadline()).toMillis(),
                TimeUnit.MILLISECONDS);
    CommandContext context =
        new CommandContext(request.id(), request.deadline(), request.actor(), stream, cancellation);
    Timer.Sample sample = Timer.start(meters);
    try {
      workers.execute(() -> {
        cancellation.bind(Thread.currentThread());
        CommandResult outcome;
        try {
          outcome = run(handler, context, request);
        } catch (VirtualMachineError fatal) {
          // Out of memory or stack in this job: end it with an answer, or the platform waits on a
          // stream nobody will finish. What the job held is garbage now; the agent goes on.
          log.error("command {} ({}) failed: {}", request.id(), request.type(), fatal.toString());
          outcome = internalError(request, fatal);
        } finally {
          cancellation.unbind();
          Thread.interrupted();
          if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
          }
          running.remove(request.id());
          bulkheads.release(handler.jobClass());
        }
        sample.stop(
            meters.timer(
                "agent.commands.duration", "type", request.type(), "outcome", outcomeTag(outcome)));
        count(request.type(), jobClass, outcome);
        result.complete(outcome);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      running.remove(request.id());
      bulkheads.release(handler.jobClass());
      return done(request, jobClass, failure(new CloseReason.ShuttingDown()));
    }
    return result;
  }

  /**
   * Stops a running command (platform cancel, reaped or lost stream). Returns false if not running.
   */
  public boolean cancel(String commandId, CloseReason why) {
    Running job = running.get(commandId);
    if (job == null) {
      return false;
    }
    job.cancellation().cancel(why);
    return true;
  }

  public int runningCount() {
    return running.size();
  }

  /**
   * Graceful stop: refuse new commands and end every stream at once with SHUTTING_DOWN (a watch or
   * a followed log never ends by itself, and the platform re-opens it on another replica), then let
   * the remaining jobs finish within the grace period, then cancel what is left. Returns true when
   * everything finished in time.
   */
  public boolean drain(Duration grace) {
    accepting = false;
    // Reads and tunnels that stream are endless by nature: stop them now. A streaming write (a helm
    // upgrade reporting progress) gets the grace period like any write: killing helm mid-upgrade
    // would leave the release pending for auto-heal to repair.
    running.values().stream()
        .filter(job -> job.handler().streaming() && job.handler().jobClass() != JobClass.WRITE)
        .forEach(job -> job.cancellation().cancel(new CloseReason.ShuttingDown()));
    workers.shutdown();
    boolean finished;
    try {
      finished = workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      log.warn(
          "{} command(s) still running after the {}s grace period; cancelling them",
          running.size(),
          grace.toSeconds());
      running.values().forEach(job -> job.cancellation().cancel(new CloseReason.ShuttingDown()));
      workers.shutdownNow();
    }
    deadlines.shutdownNow();
    return finished;
  }

  public boolean isAccepting() {
    return accepting;
  }

  private CommandResult run(
      CommandHandler handler, CommandContext context, CommandRequest request) {
    try {
      CommandResult outcome = handler.handle(context, request.payload());
      if (context.cancellation().isCancelled()) {
        return cancelledResult(context.cancellation());
      }
      return outcome == null ? CommandResult.ok(null) : outcome;
    } catch (CommandException e) {
      return new CommandResult.Failure(e.code(), e.getMessage());
    } catch (InterruptedException | StreamClosedException e) {
      return context.cancellation().isCancelled()
          ? cancelledResult(context.cancellation())
          : new CommandResult.Failure(ErrorCode.CANCELLED, "interrupted: " + e.getMessage());
    } catch (Exception | LinkageError | AssertionError e) {
      if (context.cancellation().isCancelled()) {
        return cancelledResult(context.cancellation());
      }
      // Full detail goes to the log only; the platform gets the class name, not internals.
      log.warn("command {} ({}) failed", request.id(), request.type(), e);
      return internalError(request, e);
    }
  }

  private static CommandResult internalError(CommandRequest request, Throwable e) {
    return new CommandResult.Failure(
        ErrorCode.INTERNAL,
        "internal error ("
            + e.getClass().getSimpleName()
            + "); see agent log for command "
            + request.id());
  }

  private static CommandResult cancelledResult(Cancellation cancellation) {
    return failure(cancellation.reason());
  }

  private static CommandResult failure(CloseReason reason) {
    return new CommandResult.Failure(reason.code(), reason.message());
  }

  private CompletableFuture<CommandResult> done(
      CommandRequest request, String jobClass, CommandResult result) {
    count(request.type(), jobClass, result);
    return CompletableFuture.completedFuture(result);
  }

  private void count(String type, String jobClass, CommandResult result) {
    // Unknown types come from the wire: keep the tag set bounded.
    String typeTag = handlers.containsKey(type) ? type : "unknown";
    Counter.builder("agent.commands")
        .tag("type", typeTag)
        .tag("job_class", jobClass)
        .tag("outcome", outcomeTag(result))
        .register(meters)
        .increment();
  }

  private static String outcomeTag(CommandResult result) {
    return switch (result) {
      case CommandResult.Ok ok -> "ok";
      case CommandResult.Raw raw -> "ok";
      case CommandResult.Busy busy -> "busy";
      case CommandResult.Failure failure ->
          failure.code().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** A command between its start and its result. */
  private record Running(CommandHandler handler, Cancellation cancellation) {}
}
