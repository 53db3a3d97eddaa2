package io.clusteragent.natsbridge.stream;

import io.clusteragent.core.stream.CommandStream;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The streams this replica is serving, by id: where credit, cancel and sync messages find them. */
public final class LiveStreams {

  private final Map<String, CommandStream> streams = new ConcurrentHashMap<>();

  public LiveStreams(MeterRegistry meters) {
    Gauge.builder("agent.streams.live", streams, Map::size).register(meters);
  }

  /** Registers a stream; false when one with the same id is already open. */
  public boolean add(CommandStream stream) {
    return streams.putIfAbsent(stream.id(), stream) == null;
  }

  /** Removes {@code stream}, not a later one that reuses its id. */
  public void remove(CommandStream stream) {
    streams.remove(stream.id(), stream);
  }

  public CommandStream get(String id) {
    return streams.get(id);
  }

  public List<String> ids() {
    return List.copyOf(streams.keySet());
  }

  /**
   * Applies the platform's list of streams it still reads: ours that it no longer knows, and that
   * are older than {@code minAge} (so a stream started after the platform built its list survives),
   * are stale.
   */
  public List<CommandStream> staleAfterSync(Set<String> platformLive, Duration minAge) {
    return streams.values().stream()
        .filter(s -> !platformLive.contains(s.id()) && s.age().compareTo(minAge) >= 0)
        .toList();
  }

  public void forEach(Consumer<CommandStream> action) {
    streams.values().forEach(action);
  }

  /**
   * Applies {@code action} to every stream that is not a write's ({@link CommandStream#isWrite}).
   */
  public void forEachRead(Consumer<CommandStream> action) {
    streams.values().stream().filter(s -> !s.isWrite()).forEach(action);
  }
}
