package io.clusteragent.natsbridge.intake;

import io.clusteragent.core.command.CommandResult;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.ErrorBody;
import io.clusteragent.protocol.Headers;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes unary replies. A reply the server would refuse as too large is replaced, once, by a
 * PAYLOAD_TOO_LARGE error instead of being retried or silently dropped.
 */
public final class Replies {

  /** Room left for headers and the subject in a message the server measures as a whole. */
  private static final int HEADER_ROOM = 1024;

  private final Connection connection;
  private final JsonMapper json;
  private final String instanceId;
  private final MeterRegistry meters;

  public Replies(Connection connection, JsonMapper json, String instanceId, MeterRegistry meters) {
    this.connection = connection;
    this.json = json;
    this.instanceId = instanceId;
    this.meters = meters;
  }

  public void send(String replyTo, String id, CommandResult result) {
    switch (result) {
      case CommandResult.Ok ok -> ok(replyTo, id, "application/json", ok.body() == null ? "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8) : json.writeValueAsBytes(ok.body()));
      case CommandResult.Raw raw -> ok(replyTo, id, raw.contentType(), raw.body());
      case CommandResult.Failure failure -> error(replyTo, id, failure.code(), failure.message(), null);
      case CommandResult.Busy busy -> error(replyTo, id, ErrorCode.BUSY, busy.jobClass().metricName() + " jobs are at capacity; retry later", busy.retryAfter().toMillis());
    }
  }

  public void error(String replyTo, String id, ErrorCode code, String message, Long retryAfterMs) {
    meters.counter("agent.commands.errors", "code", code.name().toLowerCase(Locale.ROOT)).increment();
    io.nats.client.impl.Headers headers = base("error").put(Headers.ERROR_CODE, code.name()).put(Headers.CONTENT_TYPE, "application/json");
    if (retryAfterMs != null) {
      headers.put(Headers.RETRY_AFTER_MS, Long.toString(retryAfterMs));
    }
    connection.publish(replyTo, headers, errorBytes(id, code, message, retryAfterMs));
  }

  public byte[] errorBytes(String id, ErrorCode code, String message, Long retryAfterMs) {
    return json.writeValueAsBytes(new ErrorBody(id, code.name(), message, retryAfterMs));
  }

  private void ok(String replyTo, String id, String contentType, byte[] body) {
    if (body.length > connection.getMaxPayload() - HEADER_ROOM) {
      error(replyTo, id, ErrorCode.PAYLOAD_TOO_LARGE,
          "reply of " + body.length + " bytes exceeds the NATS server's max_payload of " + connection.getMaxPayload() + " bytes; use the streaming variant or a smaller page", null);
      return;
    }
    connection.publish(replyTo, base("ok").put(Headers.CONTENT_TYPE, contentType), body);
  }

  private io.nats.client.impl.Headers base(String status) {
    return new io.nats.client.impl.Headers().put(Headers.STATUS, status).put(Headers.INSTANCE, instanceId);
  }
}
