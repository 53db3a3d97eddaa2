package io.clusteragent.protocol;

/**
 * The NATS subjects of one cluster. Everything is scoped by {@code <prefix>.<clusterId>} so one
 * NATS account can serve a fleet and permissions can be granted per cluster. See docs/protocol.md.
 */
public record Subjects(String prefix, String clusterId) {

  public Subjects {
    requireToken("prefix", prefix);
    requireToken("cluster id", clusterId);
  }

  /** Commands from the platform; replicas share them through {@link #queueGroup()}. */
  public String commands() {
    return base() + ".cmd";
  }

  public String queueGroup() {
    return base() + ".agents";
  }

  /** Broadcast control: stream credit, cancellation, live-stream sync. Every replica listens. */
  public String control() {
    return base() + ".ctl";
  }

  /** Agent → platform: periodic liveness and identity of each replica. */
  public String heartbeat() {
    return base() + ".heartbeat";
  }

  /** Agent → platform: the ids of a replica's live streams, so the platform can reap its side. */
  public String streams() {
    return base() + ".streams";
  }

  /** Agent → platform: commands that could not be answered on their reply subject. */
  public String rejected() {
    return base() + ".rejected";
  }

  /**
   * Platform → the replica that owns a stream: the stream's input (exec stdin, port-forward bytes),
   * under the credit the agent grants with credit frames. The stream's frames name the replica.
   */
  public String input(String instanceId) {
    return base() + ".in." + instanceId;
  }

  /** Round trip through the server that proves the path is alive, per replica. */
  public String ping(String instanceId) {
    return base() + ".ping." + instanceId;
  }

  /** Wildcard matching every cluster's heartbeat: lets a CLI find "the only agent". */
  public static String allHeartbeats(String prefix) {
    return prefix + ".*.heartbeat";
  }

  private String base() {
    return prefix + "." + clusterId;
  }

  private static void requireToken(String what, String value) {
    if (value == null || value.isBlank() || !value.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
      throw new IllegalArgumentException(
          what + " must be letters, digits, '-', '_' (and '.' between them), got '" + value + "'");
    }
  }
}
