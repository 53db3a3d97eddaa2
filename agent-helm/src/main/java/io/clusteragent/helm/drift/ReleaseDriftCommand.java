package io.clusteragent.helm.drift;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code helm.releases.drift}: which of a release's objects differ in the cluster from its deployed
 * manifest, in the documented drift format. Reads only; changes nothing.
 */
public final class ReleaseDriftCommand implements CommandHandler {

  private final ReleaseInspector inspector;
  private final JsonMapper json;
  private final Counter detected;

  public ReleaseDriftCommand(ReleaseInspector inspector, JsonMapper json, MeterRegistry meters) {
    this.inspector = inspector;
    this.json = json;
    this.detected = NativeReleaseMeters.of(meters).driftDetected();
  }

  @Override
  public String type() {
    return "helm.releases.drift";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    DriftPayloads.Drift request = DriftPayloads.drift(payload);
    ReleaseInspection inspection =
        inspector.inspect(request.namespace(), request.release(), context);
    List<DriftResource> drifted = inspection.drift(request.ignore());
    if (!drifted.isEmpty()) {
      detected.increment();
    }
    ObjectNode reply =
        json.createObjectNode()
            .put("namespace", request.namespace())
            .put("release", request.release())
            .put("drifted", !drifted.isEmpty());
    ArrayNode resources = reply.putArray("drift_resources");
    for (DriftResource resource : drifted) {
      ObjectNode entry =
          resources
              .addObject()
              .put("api_version", resource.apiVersion())
              .put("kind", resource.kind())
              .put("namespace", resource.namespace())
              .put("name", resource.name())
              .put("drift_type", resource.driftType().wireName());
      ArrayNode paths = entry.putArray("paths");
      resource.paths().forEach(paths::add);
    }
    reply.put("checked", inspection.checked());
    return CommandResult.ok(reply);
  }
}
