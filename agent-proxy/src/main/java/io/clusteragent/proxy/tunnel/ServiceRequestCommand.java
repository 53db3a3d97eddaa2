package io.clusteragent.proxy.tunnel;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code service.request}: a request the platform forwards to a Service in the cluster (a
 * Prometheus query, say), reached through the API server's service proxy, so no URL or host outside
 * the cluster's own Services can be named. The requested timeout is cut to {@code
 * FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS}. Answered like {@code kube.request}: a head frame,
 * then the body.
 */
public final class ServiceRequestCommand implements CommandHandler {

  private static final Set<String> FIELDS =
      Set.of("namespace", "service", "port", "path", "query", "method", "timeoutSeconds");
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST");
  private static final Pattern PORT = Pattern.compile("[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");

  private final ApiTunnel tunnel;
  private final Duration maxTimeout;

  public ServiceRequestCommand(ApiTunnel tunnel, Duration maxTimeout) {
    this.tunnel = tunnel;
    this.maxTimeout = maxTimeout;
  }

  @Override
  public String type() {
    return "service.request";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.PROXY_UNARY;
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    Payload fields = Payload.of(payload, FIELDS);
    String namespace = fields.requiredString("namespace", Names.DNS_LABEL, "namespace");
    String service = fields.requiredString("service", Names.DNS_LABEL, "service name");
    String port = fields.requiredString("port");
    if (!PORT.matcher(port).matches()) {
      throw new CommandException(ErrorCode.BAD_REQUEST, "port must be a port name or number");
    }
    String path = fields.optionalString("path").orElse("/");
    if (!path.startsWith("/")) {
      throw new CommandException(ErrorCode.BAD_REQUEST, "path must start with '/'");
    }
    String method =
        fields.optionalString("method").orElse("GET").toUpperCase(java.util.Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "method must be one of " + METHODS.stream().sorted().toList());
    }
    Duration timeout =
        effectiveTimeout(
            fields.optionalLong("timeoutSeconds", 1).orElse(maxTimeout.toSeconds()), maxTimeout);
    ObjectNode request =
        JsonNodeFactory.instance
            .objectNode()
            .put("method", method)
            .put(
                "path",
                "/api/v1/namespaces/"
                    + namespace
                    + "/services/"
                    + service
                    + ":"
                    + port
                    + "/proxy"
                    + path)
            .put("query", fields.optionalString("query").orElse(""));
    // the API path rules (no '..', no '//', no encoded separators) apply to the service path too
    return tunnel.forward(context, TunnelRequest.from(request), timeout);
  }

  /** The requested timeout, cut to the cap. */
  static Duration effectiveTimeout(long requestedSeconds, Duration cap) {
    return Duration.ofSeconds(Math.min(Math.max(requestedSeconds, 1), cap.toSeconds()));
  }
}
