package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One write at a time per release, across replicas. A second write is refused at once with CONFLICT
 * rather than queued: the platform decides whether to retry, and a queue here would hold write
 * permits while doing nothing. Writes of this replica are told apart in memory first (no API call);
 * then the release's Lease ({@link ReleaseLeases}) keeps other replicas out. (Helm's own
 * pending-status check catches writers outside the agent.)
 */
public final class ReleaseLock {

  /** A held lock; closing it releases the Lease, then the in-process claim. */
  public final class Held implements AutoCloseable {
    private final String key;
    private final ReleaseLeases.Held lease;

    private Held(String key, ReleaseLeases.Held lease) {
      this.key = key;
      this.lease = lease;
    }

    @Override
    public void close() {
      try {
        lease.close();
      } finally {
        held.remove(key);
      }
    }
  }

  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final ReleaseLeases leases;

  public ReleaseLock(ReleaseLeases leases) {
    this.leases = leases;
  }

  /**
   * @throws CommandException CONFLICT when another write on this release is running, here or on
   *     another replica; UPSTREAM_UNAVAILABLE when the Lease cannot be taken
   */
  public Held acquire(String namespace, String release) throws CommandException {
    String key = namespace + "/" + release;
    if (!held.add(key)) {
      throw new CommandException(
          ErrorCode.CONFLICT,
          "another write on release " + key + " is in progress; retry when it has finished");
    }
    try {
      return new Held(key, leases.acquire(namespace, release));
    } catch (CommandException | RuntimeException e) {
      held.remove(key);
      throw e;
    }
  }

  /** Whether a write of this replica holds the release. */
  public boolean isHeld(String namespace, String release) {
    return held.contains(namespace + "/" + release);
  }
}
