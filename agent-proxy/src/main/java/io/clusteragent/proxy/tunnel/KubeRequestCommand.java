package io.clusteragent.proxy.tunnel;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Tunnel;
import tools.jackson.databind.JsonNode;

/**
 * {@code kube.request} and {@code kube.stream}: one API server request tunnelled for kubectl, helm
 * or any client. Both answer as a stream (head frame, then body), so a large answer never has to
 * fit one NATS message; they differ in the bulkhead they are counted against: short requests
 * against {@code KUBE_PROXY_UNARY_CONCURRENCY}, watches, followed logs and upgraded connections
 * against {@code KUBE_PROXY_STREAM_CONCURRENCY}.
 */
public final class KubeRequestCommand implements CommandHandler {

  private final String type;
  private final JobClass jobClass;
  private final ApiTunnel tunnel;

  private KubeRequestCommand(String type, JobClass jobClass, ApiTunnel tunnel) {
    this.type = type;
    this.jobClass = jobClass;
    this.tunnel = tunnel;
  }

  public static KubeRequestCommand unary(ApiTunnel tunnel) {
    return new KubeRequestCommand(Tunnel.REQUEST, JobClass.PROXY_UNARY, tunnel);
  }

  public static KubeRequestCommand longLived(ApiTunnel tunnel) {
    return new KubeRequestCommand(Tunnel.STREAM, JobClass.PROXY_STREAM, tunnel);
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public JobClass jobClass() {
    return jobClass;
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    TunnelRequest request = TunnelRequest.from(payload);
    if (request.longLived() != (jobClass == JobClass.PROXY_STREAM)) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          request.longLived()
              ? "watches, followed logs and upgrades go as kube.stream"
              : "a request that ends by itself goes as kube.request");
    }
    return tunnel.run(context, request);
  }
}
