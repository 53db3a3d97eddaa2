package io.clusteragent.testsupport;

import io.clusteragent.cli.AgentCtl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@code agentctl} invocation in the test JVM against the test environment's NATS, signing with
 * its platform key, as cluster {@code cluster}: what a person at a terminal would see.
 */
public record AgentCtlRun(int exit, String out, String err) {

  public static AgentCtlRun of(TestEnvironment env, String cluster, String... args) {
    return of(env, cluster, Map.of(), args);
  }

  /**
   * @param extra more environment variables for agentctl ({@code AGENTCTL_CHART_PASSWORD})
   */
  public static AgentCtlRun of(
      TestEnvironment env, String cluster, Map<String, String> extra, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> environment = new HashMap<>(extra);
    environment.put("NATS_URL", env.natsUrl());
    environment.put("AGENT_CLUSTER_ID", cluster);
    environment.put("AGENTCTL_SIGNING_KEY_FILE", env.variables().get("AGENTCTL_SIGNING_KEY_FILE"));
    int exit =
        AgentCtl.run(
            environment,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream(new byte[0]),
            args);
    return new AgentCtlRun(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** For assertion messages: everything it printed. */
  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
