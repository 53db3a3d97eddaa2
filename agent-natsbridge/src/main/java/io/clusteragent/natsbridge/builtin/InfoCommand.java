package io.clusteragent.natsbridge.builtin;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.settings.ReportedSettings;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code info}: versions, cluster facts and the non-secret settings that shape behaviour. */
public final class InfoCommand implements CommandHandler {

  private final AgentIdentity identity;
  private final ClusterFacts facts;
  private final List<ReportedSettings> settings;
  private final PublicIpLookup publicIp;

  /**
   * @param settings every feature's settings records, so features this module cannot see are
   *     reported too
   */
  public InfoCommand(
      AgentIdentity identity,
      ClusterFacts facts,
      List<ReportedSettings> settings,
      PublicIpLookup publicIp) {
    this.identity = identity;
    this.facts = facts;
    this.settings = settings;
    this.publicIp = publicIp;
  }

  public String type() {
    return "info";
  }

  public JobClass jobClass() {
    return JobClass.READ;
  }

  public CommandResult handle(CommandContext context, JsonNode payload) {
    ClusterFacts.Snapshot snapshot = facts.snapshot();
    ObjectNode body =
        JsonNodeFactory.instance
            .objectNode()
            .put("instance", identity.instanceId())
            .put("agentVersion", identity.version())
            .put("kubernetesVersion", snapshot.kubernetesVersion())
            .put("nodeCount", snapshot.nodeCount())
            .put("publicIp", publicIp.current());
    ObjectNode reported = body.putObject("settings");
    // sorted so the answer does not depend on the order the records were registered in
    Map<String, Object> values = new TreeMap<>();
    settings.forEach(s -> values.putAll(s.reported()));
    values.forEach((name, value) -> {
      switch (value) {
        case Boolean b -> reported.put(name, b);
        case Integer i -> reported.put(name, i);
        case Long l -> reported.put(name, l);
        default -> reported.put(name, String.valueOf(value));
      }
    });
    return CommandResult.ok(body);
  }
}
