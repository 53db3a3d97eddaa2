package io.clusteragent.helm.upgrade;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.events.AgentEvent;
import io.clusteragent.core.events.DeploymentEvents;
import io.clusteragent.helm.StateNamespace;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.helm.releases.ReleaseWriter;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Payload;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code agent.upgrade}: the documented "Upgrade Agent" button. Upgrades the agent's own release
 * ({@code ankra-agent} in the agent's namespace) to a chart version with the values it runs with
 * reused, never downgrading unless asked. helm does not wait: the Deployment rolls the new pod out,
 * and this replica's shutdown grace lets the command finish and answer first.
 */
public final class SelfUpgradeCommand implements CommandHandler {

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);
  private static final Set<String> FIELDS = Set.of("version", "allowDowngrade", "auth");

  private final ReleaseWriter writer;
  private final StateNamespace namespace;
  private final SelfUpgradeSettings settings;
  private final DeploymentEvents events;
  private final JsonMapper json;

  public SelfUpgradeCommand(
      ReleaseWriter writer,
      StateNamespace namespace,
      SelfUpgradeSettings settings,
      DeploymentEvents events,
      JsonMapper json) {
    this.writer = writer;
    this.namespace = namespace;
    this.settings = settings;
    this.events = events;
    this.json = json;
  }

  @Override
  public String type() {
    return "agent.upgrade";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.WRITE;
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
    Payload p = Payload.of(payload, FIELDS);
    String version = p.requiredString("version");
    ChartVersion target = ChartVersion.parse("version", version);
    boolean allowDowngrade = p.optionalBoolean("allowDowngrade").orElse(false);
    Optional<Payload> auth = p.optionalObject("auth", Set.of("username", "password"));
    String username = null;
    String password = null;
    if (auth.isPresent()) {
      username = auth.get().requiredString("username");
      password = auth.get().requiredString("password");
    }
    String release = settings.release();
    JsonNode current =
        writer
            .metadata(namespace.name(), release, context)
            .orElseThrow(() ->
                new CommandException(
                    ErrorCode.NOT_FOUND,
                    "the agent's own release "
                        + namespace.name()
                        + "/"
                        + release
                        + " is not installed with helm; upgrade it the way it was installed"));
    String from = current.path("version").asString("");
    int order = target.compareTo(ChartVersion.parse("the installed chart version", from));
    if (order == 0) {
      return CommandResult.ok(reply(from, version, false, "already at " + version));
    }
    if (order < 0 && !allowDowngrade) {
      throw new CommandException(
          ErrorCode.CONFLICT,
          "refusing to downgrade the agent from "
              + from
              + " to "
              + version
              + "; send allowDowngrade: true to do it anyway");
    }
    String change = "the agent from chart " + from + " to " + version;
    events.record(
        AgentEvent.SELF_UPGRADE_STARTED, "upgrading " + change + " (" + actor(context) + ")");
    try (ProgressFrames progress = new ProgressFrames(context.stream(), json, HEARTBEAT)) {
      JsonNode upgraded;
      try {
        upgraded =
            writer.upgradeReusingValues(
                namespace.name(),
                release,
                settings.chart(),
                version,
                username,
                password,
                context,
                progress);
      } catch (Exception e) {
        // The command's error is already redacted of credentials; the Event says only its kind.
        events.record(
            AgentEvent.SELF_UPGRADE_FAILED,
            "upgrading "
                + change
                + " failed: "
                + (e instanceof CommandException c ? c.code().name() : "INTERNAL"));
        throw e;
      }
      events.record(
          AgentEvent.SELF_UPGRADE_FINISHED,
          "upgraded " + change + ": revision " + upgraded.path("revision").asInt());
      progress.phase("done", null);
      ObjectNode reply = reply(from, version, true, "upgraded");
      reply.put("revision", upgraded.path("revision").asInt());
      reply.put("status", upgraded.path("status").asString(""));
      return CommandResult.ok(reply);
    }
  }

  private static String actor(CommandContext context) {
    return context.actor() == null ? "asked by the platform" : "asked by " + context.actor().user();
  }

  private ObjectNode reply(String from, String to, boolean upgraded, String message) {
    return json.createObjectNode()
        .put("namespace", namespace.name())
        .put("release", settings.release())
        .put("from", from)
        .put("to", to)
        .put("upgraded", upgraded)
        .put("message", message);
  }
}
