package io.clusteragent.helm.heal;

import io.clusteragent.core.background.PeriodicTasks;
import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.helm.ReleaseSettings;
import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmOutput;
import io.clusteragent.helm.releases.ReleaseLock;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Auto-heal ({@code agent.reconcile.auto-heal-enabled}): every {@code sweep-interval}, finds the
 * releases left in {@code pending-install}, {@code pending-upgrade} or {@code pending-rollback} for
 * longer than {@code stuck-after} (the helm that wrote that state died before writing the outcome)
 * and repairs each: a rollback to its last deployed revision, or an uninstall of a first install
 * that never completed ({@link HealAction}). Each heal holds the release's {@link ReleaseLock}, so
 * it never races a write of this replica and, through the release's Lease, replicas never both heal
 * one release; the history is read again under the lock because another replica may have healed it
 * since the list. Each heal is logged, counted ({@code agent.releases.healed{action,outcome}}) and
 * recorded as an Event ({@code ReleaseHealed} / {@code ReleaseHealFailed}); a failed heal is tried
 * again after {@code stuck-after}, not at every sweep.
 *
 * <p>Off, nothing is scheduled. Helm runs as the agent, not impersonated: no platform user asked
 * for this.
 */
public final class StuckReleaseSweep implements SmartLifecycle {

  static final String HEALED_METRIC = "agent.releases.healed";

  /**
   * How long stopping waits for a heal in flight before killing its helm: a rollback or uninstall
   * without --wait takes seconds, and a killed one would leave the release pending again.
   */
  private static final Duration STOP_WAIT = Duration.ofSeconds(20);

  /** Left after helm's own --timeout (for hooks), so helm reports rather than being killed. */
  private static final Duration HELM_TIMEOUT_MARGIN = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(StuckReleaseSweep.class);

  private final ReleaseSettings settings;
  private final PeriodicTasks tasks;
  private final HelmBinary helm;
  private final ReleaseLock locks;
  private final ReleaseEvents events;
  private final MeterRegistry meters;
  private final JsonMapper json;
  private final Clock clock;

  /**
   * When a heal of a release at a revision last failed: it is tried again only after {@code
   * stuck-after}, so a heal that cannot succeed (a hook that always fails, RBAC) is one Warning
   * Event per stuck-after, not one per sweep. Only the sweep (under {@link #sweeping}) touches it.
   */
  private final Map<String, Instant> failedAt = new HashMap<>();

  /** Held for a whole sweep: a tick that finds the previous sweep still going skips. */
  private final ReentrantLock sweeping = new ReentrantLock();

  /** Kills the helm of a heal still running when stopping has waited long enough. */
  private volatile Cancellation cancellation = new Cancellation();

  private volatile boolean running;
  private boolean scheduled;

  /**
   * @param agentClients the agent's own (not impersonated) API client, for the Events
   * @param instanceId this replica, the Events' source
   */
  public StuckReleaseSweep(
      ReleaseSettings settings,
      PeriodicTasks tasks,
      HelmBinary helm,
      ReleaseLock locks,
      ApiClientSource agentClients,
      String instanceId,
      MeterRegistry meters,
      JsonMapper json,
      Clock clock) {
    this.settings = settings;
    this.tasks = tasks;
    this.helm = helm;
    this.locks = locks;
    this.events = new ReleaseEvents(agentClients, instanceId, clock);
    this.meters = meters;
    this.json = json;
    this.clock = clock;
  }

  @Override
  public synchronized void start() {
    if (!settings.autoHealEnabled()) {
      log.info("auto-heal of stuck releases is off (RECONCILE_AUTO_HEAL_ENABLED=false)");
      return;
    }
    cancellation = new Cancellation();
    running = true;
    if (!scheduled) {
      scheduled = true;
      // PeriodicTasks stops with the context; until then a stopped sweep returns at once
      tasks.every(
          "stuck release sweep", settings.sweepInterval(), settings.sweepInterval(), this::sweep);
    }
  }

  @Override
  public void stop() {
    running = false;
    try {
      if (sweeping.tryLock(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        sweeping.unlock();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    cancellation.cancel(new CloseReason.ShuttingDown());
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** One sweep: list the pending releases, heal those stuck long enough. */
  void sweep() {
    if (!running || !sweeping.tryLock()) {
      return;
    }
    try {
      Instant now = clock.instant();
      List<StuckRelease> pending = pendingReleases();
      // forget failures of releases that are no longer pending (healed by hand, or removed)
      failedAt.keySet().retainAll(pending.stream().map(StuckReleaseSweep::attempt).toList());
      for (StuckRelease release : pending) {
        if (!running || Thread.currentThread().isInterrupted()) {
          return;
        }
        Instant failed = failedAt.get(attempt(release));
        boolean backingOff = failed != null && failed.plus(settings.stuckAfter()).isAfter(now);
        if (release.stuckLongerThan(settings.stuckAfter(), now) && !backingOff) {
          heal(release);
        }
      }
    } finally {
      sweeping.unlock();
    }
  }

  /** A release at one stuck revision: a new pending revision is a new problem. */
  private static String attempt(StuckRelease release) {
    return release.key() + "@" + release.revision();
  }

  private List<StuckRelease> pendingReleases() {
    List<String> args =
        List.of("list", "--all-namespaces", "--pending", "--output=json", "--max=0");
    JsonNode listed;
    try {
      listed = parse(run(args));
    } catch (CommandException e) {
      // PeriodicTasks' FailureLog counts it and logs a changed cause once
      throw new IllegalStateException("helm list --pending failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
    List<StuckRelease> pending = new ArrayList<>();
    for (JsonNode entry : listed) {
      StuckRelease.fromListEntry(entry).ifPresent(pending::add);
    }
    return pending;
  }

  private void heal(StuckRelease listed) {
    try (ReleaseLock.Held held = locks.acquire(listed.namespace(), listed.name())) {
      JsonNode history =
          parse(
              run(
                  List.of(
                      "history",
                      listed.name(),
                      "--namespace=" + listed.namespace(),
                      "--output=json")));
      Optional<StuckRelease> stuck = stillStuck(listed, history);
      if (stuck.isEmpty()) {
        log.debug("release {} is no longer stuck; leaving it", listed.key());
        return;
      }
      apply(stuck.get(), HealAction.choose(stuck.get(), history));
    } catch (CommandException e) {
      if (e.code() == ErrorCode.CONFLICT) {
        // a write (or another replica's heal) holds it: that one decides its fate
        log.debug("not healing release {} now: {}", listed.key(), e.getMessage());
      } else if (e.code() != ErrorCode.NOT_FOUND) {
        log.warn("cannot heal release {}: {}", listed.key(), e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The release as its history shows it now: still at the listed pending revision, and pending for
   * long enough. Anything else means someone (another replica's heal, a user) moved it on.
   */
  private Optional<StuckRelease> stillStuck(StuckRelease listed, JsonNode history) {
    JsonNode newest = null;
    for (JsonNode entry : history) {
      if (newest == null || entry.path("revision").asInt(0) > newest.path("revision").asInt(0)) {
        newest = entry;
      }
    }
    if (newest == null
        || newest.path("revision").asInt(0) != listed.revision()
        || !newest.path("status").asString("").equals(listed.status())) {
      return Optional.empty();
    }
    return HelmTimestamps.parse(newest.path("updated").asString(""))
        .map(since ->
            new StuckRelease(
                listed.namespace(), listed.name(), listed.revision(), listed.status(), since))
        .filter(s -> s.stuckLongerThan(settings.stuckAfter(), clock.instant()));
  }

  private void apply(StuckRelease stuck, HealAction action) throws InterruptedException {
    String what =
        "release "
            + stuck.key()
            + " was stuck in "
            + stuck.status()
            + " at revision "
            + stuck.revision()
            + " since "
            + stuck.since();
    try {
      String done;
      int newest;
      switch (action) {
        case HealAction.Rollback rollback -> {
          run(
              List.of(
                  "rollback",
                  stuck.name(),
                  Integer.toString(rollback.toRevision()),
                  "--namespace=" + stuck.namespace(),
                  "--timeout=" + helmTimeout().toSeconds() + "s"));
          newest = newestRevision(stuck);
          done =
              "rolled back to revision "
                  + rollback.toRevision()
                  + " (its last deployed chart and values) as revision "
                  + newest;
        }
        case HealAction.Uninstall uninstall -> {
          run(
              List.of(
                  "uninstall",
                  stuck.name(),
                  "--namespace=" + stuck.namespace(),
                  "--timeout=" + helmTimeout().toSeconds() + "s"));
          // the Secrets are gone; the Event still names the one that was stuck
          newest = stuck.revision();
          done = "no revision of it was ever deployed, so it was uninstalled";
        }
      }
      count(action, "success");
      String message = what + "; " + done;
      log.info("healed: {}", message);
      events.record(
          stuck.namespace(), stuck.releaseSecret(newest), ReleaseEvents.HEALED, false, message);
    } catch (CommandException e) {
      failedAt.put(attempt(stuck), clock.instant());
      count(action, "failure");
      String message =
          what
              + "; "
              + (action instanceof HealAction.Rollback r
                  ? "rollback to revision " + r.toRevision()
                  : "uninstall")
              + " failed: "
              + e.getMessage();
      log.warn("heal failed: {}", message);
      events.record(
          stuck.namespace(),
          stuck.releaseSecret(newestRevision(stuck)),
          ReleaseEvents.HEAL_FAILED,
          true,
          message);
    }
  }

  /** The newest revision (a rollback's new one), or the stuck one when none can be read. */
  private int newestRevision(StuckRelease stuck) throws InterruptedException {
    try {
      JsonNode latest =
          parse(
              run(
                  List.of(
                      "history",
                      stuck.name(),
                      "--namespace=" + stuck.namespace(),
                      "--output=json",
                      "--max=1")));
      int newest = stuck.revision();
      for (JsonNode entry : latest) {
        newest = Math.max(newest, entry.path("revision").asInt(0));
      }
      return newest;
    } catch (CommandException e) {
      return stuck.revision();
    }
  }

  private void count(HealAction action, String outcome) {
    Counter.builder(HEALED_METRIC)
        .description("Releases stuck mid-operation that the agent repaired (or failed to)")
        .tag("action", action.tag())
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  private Duration helmTimeout() {
    Duration timeout = helm.timeoutFor(null).minus(HELM_TIMEOUT_MARGIN);
    return timeout.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : timeout;
  }

  private HelmOutput run(List<String> args) throws CommandException, InterruptedException {
    return helm.run(args, Actor.AGENT, helm.timeoutFor(null), cancellation);
  }

  private JsonNode parse(HelmOutput output) throws CommandException {
    try {
      JsonNode node = json.readTree(output.stdout());
      if (node == null || node.isMissingNode() || node.isNull()) {
        return json.createArrayNode(); // helm prints nothing when nothing matches
      }
      if (!node.isArray()) {
        throw new CommandException(ErrorCode.INTERNAL, "helm printed JSON that is not a list");
      }
      return node;
    } catch (JacksonException e) {
      throw new CommandException(ErrorCode.INTERNAL, "helm printed output that is not JSON", e);
    }
  }
}
