package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One write at a time per release. A second write is refused at once with CONFLICT rather than
 * queued: the platform decides whether to retry, and a queue here would hold write permits while
 * doing nothing. (Helm's own pending-status check catches writers outside this agent.)
 */
public final class ReleaseLock {

  /** A held lock; closing it releases it. */
  public final class Held implements AutoCloseable {
    private final String key;

    private Held(String key) {
      this.key = key;
    }

    @Override
    public void close() {
      held.remove(key);
    }
  }

  private final Set<String> held = ConcurrentHashMap.newKeySet();

  /**
   * @throws CommandException CONFLICT when another write on this release is running
   */
  public Held acquire(String namespace, String release) throws CommandException {
    String key = namespace + "/" + release;
    if (!held.add(key)) {
      throw new CommandException(
          ErrorCode.CONFLICT,
          "another write on release " + key + " is in progress; retry when it has finished");
    }
    return new Held(key);
  }

  public boolean isHeld(String namespace, String release) {
    return held.contains(namespace + "/" + release);
  }
}
