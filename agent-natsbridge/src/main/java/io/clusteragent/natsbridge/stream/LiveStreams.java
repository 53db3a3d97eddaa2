package io.clusteragent.natsbridge.stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The streams this replica is serving, by id: where credit, cancel and sync messages find them. */
public final class LiveStreams {

  private final Map<String, OutboundStream> streams = new ConcurrentHashMap<>();

  public LiveStreams(MeterRegistry meters) {
    Gauge.builder("agent.streams.live", streams, Map::size).register(meters);
  }

  public void add(OutboundStream stream) {
    streams.put(stream.id(), stream);
  }

  public void remove(String id) {
    streams.remove(id);
  }

  public OutboundStream get(String id) {
    return streams.get(id);
  }

  public List<String> ids() {
    return List.copyOf(streams.keySet());
  }

  public Collection<OutboundStream> all() {
    return List.copyOf(streams.values());
  }

  /**
   * Applies the platform's list of streams it still reads: ours that it no longer knows, and that
   * are older than {@code minAge} (so a stream started after the platform built its list survives),
   * are stale. Returns their ids for the caller to cancel.
   */
  public List<String> staleAfterSync(Set<String> platformLive, Duration minAge) {
    return streams.values().stream()
        .filter(s -> !platformLive.contains(s.id()) && s.age().compareTo(minAge) >= 0)
        .map(OutboundStream::id)
        .toList();
  }

  public void forEach(Consumer<OutboundStream> action) {
    streams.values().forEach(action);
  }
}
