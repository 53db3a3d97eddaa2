package io.clusteragent.testsupport;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.StreamLines;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A whole agent in the test JVM ({@link InProcessAgent}) with the platform's side of it: a NATS
 * connection and a {@link PlatformClient} signing as the test environment's platform, returned once
 * the agent serves. Helm's binary is the environment's; {@code properties} add to or replace the
 * defaults.
 */
public final class AgentOnNats implements AutoCloseable {

  private final ConfigurableApplicationContext agent;
  private final Connection nats;
  private final PlatformClient platform;

  private AgentOnNats(
      ConfigurableApplicationContext agent, Connection nats, PlatformClient platform) {
    this.agent = agent;
    this.nats = nats;
    this.platform = platform;
  }

  public static AgentOnNats start(
      TestEnvironment env, String clusterId, Map<String, Object> properties) throws Exception {
    Map<String, Object> all = new HashMap<>();
    all.put("agent.helm.binary", env.helm().toString());
    all.putAll(properties);
    ConfigurableApplicationContext agent = InProcessAgent.start(env, clusterId, all);
    Connection nats = Nats.connect(env.natsUrl());
    PlatformClient platform = new PlatformClient(nats, "agent", clusterId, env.platformSigner());
    InProcessAgent.awaitServing(platform);
    return new AgentOnNats(agent, nats, platform);
  }

  public PlatformClient platform() {
    return platform;
  }

  public <T> T bean(Class<T> type) {
    return agent.getBean(type);
  }

  /**
   * Runs a streaming command to its end and returns the end frame's body (its data lines are
   * progress, read and dropped).
   *
   * @throws StreamLines.StreamFailedException when it ends with an error frame
   */
  public JsonNode streamToEnd(String type, JsonNode payload, Duration deadline)
      throws InterruptedException {
    try (PlatformStream stream = platform.openStream(type, payload, 8, deadline)) {
      StreamLines lines = new StreamLines(stream, Duration.ofSeconds(60));
      while (lines.next() != null) {
        // progress events
      }
      return lines.summary();
    }
  }

  @Override
  public void close() throws Exception {
    nats.close();
    agent.close();
  }
}
