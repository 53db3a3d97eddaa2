package io.clusteragent.natsbridge.trust;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the ids of the commands this replica accepted until their deadline, so a captured
 * signed command cannot be run again while it is still valid (after its deadline it is refused as
 * expired anyway). Bounded: when full of unexpired ids it refuses new commands rather than forget
 * one, because forgetting would reopen the replay.
 */
public final class ReplayGuard {

  /** The outcome of recording a command id. */
  public enum Sighting {
    FIRST,
    REPLAY,
    FULL
  }

  private final Map<String, Instant> seen = new ConcurrentHashMap<>();
  private final int capacity;
  private final Clock clock;
  private volatile Instant lastSweep = Instant.MIN;

  public ReplayGuard(int capacity, Clock clock) {
    this.capacity = capacity;
    this.clock = clock;
  }

  public Sighting record(String commandId, Instant deadline) {
    Instant now = clock.instant();
    if (seen.size() >= capacity / 2 && now.isAfter(lastSweep.plusSeconds(1))) {
      // Expired ids are swept lazily, at most once a second, so memory follows the live ids only.
      lastSweep = now;
      forgetExpired(now);
    }
    if (seen.size() >= capacity) {
      forgetExpired(now);
      if (seen.size() >= capacity) {
        return Sighting.FULL;
      }
    }
    Instant previous = seen.putIfAbsent(commandId, deadline);
    if (previous == null) {
      return Sighting.FIRST;
    }
    if (previous.isBefore(now)) {
      // The earlier command expired; this id may come back (an expired copy is refused by its
      // deadline).
      seen.put(commandId, deadline);
      return Sighting.FIRST;
    }
    return Sighting.REPLAY;
  }

  public int size() {
    return seen.size();
  }

  private void forgetExpired(Instant now) {
    for (Iterator<Map.Entry<String, Instant>> it = seen.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue().isBefore(now)) {
        it.remove();
      }
    }
  }
}
