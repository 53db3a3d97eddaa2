package io.clusteragent.helm.releases;

import io.clusteragent.core.kubernetes.ApiClientSource;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Preconditions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cross-replica half of {@link ReleaseLock}: one {@code coordination.k8s.io/v1} Lease per
 * release in the agent's own namespace, held (and renewed) while a write on the release runs, so
 * two replicas never run helm on one release at once.
 *
 * <p>A Lease whose holder stopped renewing it (a replica that crashed mid-write) is taken over once
 * its duration has passed since its last renewal. Expiry is judged against this replica's clock, so
 * it assumes the replicas' clocks agree to well within the duration (NTP does far better).
 */
public final class ReleaseLeases {

  /**
   * Long enough to ride out a slow API server; short enough that a crashed holder blocks little.
   */
  public static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);

  static final String NAME_PREFIX = "helm-release-";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "ankra-agent";
  static final String NAMESPACE_LABEL = "agent.ankra.io/release-namespace";
  static final String RELEASE_LABEL = "agent.ankra.io/release";

  /** {@code namespace/release} in one value, for people reading the Lease. */
  static final String RELEASE_ANNOTATION = "agent.ankra.io/release";

  /** Create-then-read can race with a holder releasing the Lease; a few rounds settle it. */
  private static final int ACQUIRE_ROUNDS = 3;

  private static final Logger log = LoggerFactory.getLogger(ReleaseLeases.class);

  private final ApiClientSource clients;
  private final String leaseNamespace;
  private final String holder;
  private final Duration duration;
  private final Clock clock;

  /**
   * @param clients the agent's own API client (never impersonated: the Lease is the agent's)
   * @param leaseNamespace where the Leases live (the agent's {@code StateNamespace})
   * @param holder this replica ({@code AgentIdentity.instanceId()})
   * @param duration how long a Lease stays valid without renewal; renewed every third of it
   */
  public ReleaseLeases(
      ApiClientSource clients,
      String leaseNamespace,
      String holder,
      Duration duration,
      Clock clock) {
    if (duration.compareTo(Duration.ofSeconds(3)) < 0) {
      throw new IllegalArgumentException("a Lease duration of at least 3s, got " + duration);
    }
    this.clients = clients;
    this.leaseNamespace = leaseNamespace;
    this.holder = holder;
    this.duration = duration;
    this.clock = clock;
  }

  public String holder() {
    return holder;
  }

  public String leaseNamespace() {
    return leaseNamespace;
  }

  /**
   * The Lease's name: release names can be 53 characters and namespaces 63, so the pair is hashed
   * into a name that always fits; the labels and annotation carry the real pair.
   */
  public static String leaseName(String namespace, String release) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((namespace + "/" + release).getBytes(StandardCharsets.UTF_8));
      return NAME_PREFIX + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * Takes the release's Lease, or refuses at once.
   *
   * @throws CommandException CONFLICT when another agent holds an unexpired Lease on the release
   *     (or won a race for an expired one); UPSTREAM_UNAVAILABLE when the API server cannot be
   *     asked
   */
  public Held acquire(String namespace, String release) throws CommandException {
    String key = namespace + "/" + release;
    String name = leaseName(namespace, release);
    CoordinationV1Api api = api(key);
    for (int round = 0; round < ACQUIRE_ROUNDS; round++) {
      OffsetDateTime now = now();
      try {
        V1Lease created =
            api.createNamespacedLease(leaseNamespace, fresh(name, namespace, release, now))
                .execute();
        return new Held(api, key, name, created);
      } catch (ApiException e) {
        if (e.getCode() != 409) {
          throw unavailable(key, "create", e);
        }
      }
      V1Lease existing;
      try {
        existing = api.readNamespacedLease(name, leaseNamespace).execute();
      } catch (ApiException e) {
        if (e.getCode() == 404) {
          continue; // released between our create and our read: create again
        }
        throw unavailable(key, "read", e);
      }
      String current = holderOf(existing);
      // Our own name on an unexpired Lease is a previous run of this pod (the container restarted
      // mid-write): writes of this process are already kept apart by ReleaseLock's in-process set.
      if (current != null && !current.equals(holder) && !expired(existing, now)) {
        throw busy(key, current);
      }
      try {
        V1Lease taken =
            api.replaceNamespacedLease(name, leaseNamespace, takenOver(existing, now)).execute();
        if (current != null && !current.equals(holder)) {
          log.info("took over the expired Lease of release {} from agent {}", key, current);
        }
        return new Held(api, key, name, taken);
      } catch (ApiException e) {
        if (e.getCode() == 409) {
          // the resourceVersion we read is stale: another replica took the Lease first
          throw busy(key, winner(api, name));
        }
        if (e.getCode() == 404) {
          continue;
        }
        throw unavailable(key, "take over", e);
      }
    }
    throw busy(key, null);
  }

  private CoordinationV1Api api(String key) throws CommandException {
    try {
      return new CoordinationV1Api(clients.get());
    } catch (IOException e) {
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          "cannot lock release " + key + ": no Kubernetes client: " + e.getMessage(),
          e);
    }
  }

  private V1Lease fresh(String name, String namespace, String release, OffsetDateTime now) {
    return new V1Lease()
        .apiVersion("coordination.k8s.io/v1")
        .kind("Lease")
        .metadata(
            new V1ObjectMeta()
                .name(name)
                .namespace(leaseNamespace)
                .labels(
                    Map.of(
                        MANAGED_BY_LABEL,
                        MANAGED_BY,
                        NAMESPACE_LABEL,
                        namespace,
                        RELEASE_LABEL,
                        release))
                .annotations(Map.of(RELEASE_ANNOTATION, namespace + "/" + release)))
        .spec(
            new V1LeaseSpec()
                .holderIdentity(holder)
                .leaseDurationSeconds(Math.toIntExact(duration.toSeconds()))
                .acquireTime(now)
                .renewTime(now)
                .leaseTransitions(0));
  }

  /** The observed Lease, ours from now on; its resourceVersion makes the update conditional. */
  private V1Lease takenOver(V1Lease existing, OffsetDateTime now) {
    V1LeaseSpec spec = existing.getSpec() == null ? new V1LeaseSpec() : existing.getSpec();
    int transitions = spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions();
    boolean sameHolder = holder.equals(spec.getHolderIdentity());
    existing.spec(
        spec.holderIdentity(holder)
            .leaseDurationSeconds(Math.toIntExact(duration.toSeconds()))
            .acquireTime(now)
            .renewTime(now)
            .leaseTransitions(sameHolder ? transitions : transitions + 1));
    return existing;
  }

  private boolean expired(V1Lease lease, OffsetDateTime now) {
    V1LeaseSpec spec = lease.getSpec();
    if (spec == null) {
      return true;
    }
    OffsetDateTime renewed =
        spec.getRenewTime() != null ? spec.getRenewTime() : spec.getAcquireTime();
    if (renewed == null) {
      return true;
    }
    int seconds =
        spec.getLeaseDurationSeconds() == null
            ? Math.toIntExact(duration.toSeconds())
            : spec.getLeaseDurationSeconds();
    return renewed.plusSeconds(seconds).isBefore(now);
  }

  private static String holderOf(V1Lease lease) {
    String current = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    return current == null || current.isBlank() ? null : current;
  }

  private String winner(CoordinationV1Api api, String name) {
    try {
      return holderOf(api.readNamespacedLease(name, leaseNamespace).execute());
    } catch (ApiException e) {
      return null; // only for the message
    }
  }

  /** The API server keeps MicroTime: microseconds, so what we send is what we read back. */
  private OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }

  private static CommandException busy(String key, String otherHolder) {
    return new CommandException(
        ErrorCode.CONFLICT,
        "release "
            + key
            + " is being changed by agent "
            + (otherHolder == null ? "(another replica)" : otherHolder)
            + "; retry when it has finished");
  }

  private CommandException unavailable(String key, String action, ApiException e) {
    String detail =
        e.getCode() == 0
            ? "API server unreachable: " + e.getMessage()
            : "API server answered " + e.getCode() + reason(e);
    String hint = e.getCode() == 404 ? " (does namespace " + leaseNamespace + " exist?)" : "";
    return new CommandException(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        "cannot lock release "
            + key
            + ": "
            + action
            + " of its Lease in namespace "
            + leaseNamespace
            + " failed: "
            + detail
            + hint,
        e);
  }

  /** The Status message, short: the body is the API server's JSON Status, never a secret. */
  private static String reason(ApiException e) {
    String body = e.getResponseBody();
    if (body == null || body.isBlank()) {
      return "";
    }
    int at = body.indexOf("\"message\":\"");
    if (at < 0) {
      return "";
    }
    int start = at + "\"message\":\"".length();
    int end = body.indexOf('"', start);
    String message = body.substring(start, end < 0 ? body.length() : end);
    return " (" + (message.length() > 200 ? message.substring(0, 200) + "…" : message) + ")";
  }

  /**
   * A held Lease: renewed on a virtual thread every third of its duration until closed, then
   * deleted, on condition that it is still the object we last wrote (so a Lease another replica
   * took over meanwhile is left alone).
   */
  public final class Held implements AutoCloseable {

    private final CoordinationV1Api api;
    private final String key;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition closing = lock.newCondition();
    private final Thread renewer;
    // guarded by lock
    private V1Lease lease;
    private boolean closed;
    private boolean lost;
    private boolean renewalFailing;

    private Held(CoordinationV1Api api, String key, String name, V1Lease lease) {
      this.api = api;
      this.key = key;
      this.name = name;
      this.lease = lease;
      this.renewer = Thread.ofVirtual().name("lease-renewal " + key).start(this::renewUntilClosed);
    }

    public String name() {
      return name;
    }

    /** Whether another replica took the Lease over (this one failed to renew it in time). */
    public boolean lost() {
      lock.lock();
      try {
        return lost;
      } finally {
        lock.unlock();
      }
    }

    private void renewUntilClosed() {
      long interval = duration.dividedBy(3).toNanos();
      lock.lock();
      try {
        while (!closed && !lost) {
          long left = interval;
          while (!closed && left > 0) {
            left = closing.awaitNanos(left);
          }
          if (!closed) {
            // under the lock, so close() waits for a renewal in flight and then deletes the
            // resourceVersion that renewal wrote
            renewOnce();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        lock.unlock();
      }
    }

    private void renewOnce() {
      V1LeaseSpec spec = Objects.requireNonNull(lease.getSpec());
      spec.renewTime(now());
      try {
        lease = api.replaceNamespacedLease(name, leaseNamespace, lease).execute();
        if (renewalFailing) {
          log.info("renewing the Lease of release {} works again", key);
          renewalFailing = false;
        }
      } catch (ApiException e) {
        if (e.getCode() == 409 || e.getCode() == 404) {
          // Not ours any more. The write goes on: killing helm mid-operation is what leaves a
          // release stuck, and the other replica's helm refuses a release that is pending.
          lost = true;
          log.warn(
              "the Lease of release {} was taken over or deleted while this replica's write was"
                  + " still running (renewal answered {})",
              key,
              e.getCode());
        } else if (!renewalFailing) {
          renewalFailing = true;
          log.warn(
              "renewing the Lease of release {} failed ({}); retrying every {}s",
              key,
              e.getCode() == 0 ? e.getMessage() : "API server answered " + e.getCode(),
              duration.dividedBy(3).toSeconds());
        }
      }
    }

    @Override
    public void close() {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
        closing.signalAll();
      } finally {
        lock.unlock();
      }
      // Releasing is cleanup that must happen on a cancelled command's thread too, whose
      // interrupt would otherwise fail the join and the delete's socket I/O at once.
      boolean interrupted = Thread.interrupted();
      try {
        long deadline = System.nanoTime() + duration.toNanos();
        while (renewer.isAlive() && System.nanoTime() < deadline) {
          try {
            renewer.join(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1)));
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        lock.lock();
        try {
          if (!lost) {
            delete();
          }
        } finally {
          lock.unlock();
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private void delete() {
      V1ObjectMeta meta = Objects.requireNonNull(lease.getMetadata());
      V1DeleteOptions onlyOurs =
          new V1DeleteOptions()
              .preconditions(
                  new V1Preconditions()
                      .uid(meta.getUid())
                      .resourceVersion(meta.getResourceVersion()));
      try {
        api.deleteNamespacedLease(name, leaseNamespace).body(onlyOurs).execute();
      } catch (ApiException e) {
        if (e.getCode() != 404 && e.getCode() != 409) {
          log.warn(
              "releasing the Lease of release {} failed ({}); it expires by itself within {}s",
              key,
              e.getCode() == 0 ? e.getMessage() : "API server answered " + e.getCode(),
              duration.toSeconds());
        }
      }
    }
  }
}
