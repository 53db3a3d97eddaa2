package io.clusteragent.natsbridge.builtin;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.settings.AgentProperties;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code info}: versions, cluster facts and the non-secret settings that shape behaviour. */
public final class InfoCommand implements CommandHandler {

  private final AgentIdentity identity;
  private final ClusterFacts facts;
  private final AgentProperties settings;
  private final PublicIpLookup publicIp;

  public InfoCommand(AgentIdentity identity, ClusterFacts facts, AgentProperties settings, PublicIpLookup publicIp) {
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
    ObjectNode body = JsonNodeFactory.instance.objectNode()
        .put("instance", identity.instanceId())
        .put("agentVersion", identity.version())
        .put("kubernetesVersion", snapshot.kubernetesVersion())
        .put("nodeCount", snapshot.nodeCount())
        .put("publicIp", publicIp.current());
    body.putObject("settings")
        .put("readWorkerCount", settings.readWorkerCount())
        .put("writeWorkerCount", settings.writeWorkerCount())
        .put("natsWorkerMaxWorkers", settings.natsWorkerMaxWorkers())
        .put("k8sWatchEnabled", settings.k8sWatch().enabled())
        .put("publicIpReportingEnabled", settings.publicIp().reportingEnabled());
    return CommandResult.ok(body);
  }
}
