package io.clusteragent.natsbridge.intake;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.stream.CommandStream;
import io.clusteragent.natsbridge.connection.InterruptSafe;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.protocol.ErrorBody;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Headers;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one mapping from a {@link CommandResult} to the wire: a unary reply, or the final frame of a
 * stream. A unary reply the server would refuse as too large is replaced, once, by a
 * PAYLOAD_TOO_LARGE error instead of being retried or silently dropped. Every error is counted.
 */
public final class Replies {

  /** Room left for headers and the subject in a message the server measures as a whole. */
  private static final int HEADER_ROOM = 1024;

  private final NatsSession session;
  private final JsonMapper json;
  private final String instanceId;
  private final MeterRegistry meters;

  public Replies(
      NatsSession session, JsonMapper json, AgentIdentity identity, MeterRegistry meters) {
    this.session = session;
    this.json = json;
    this.instanceId = identity.instanceId();
    this.meters = meters;
  }

  /** What a result becomes on the wire: a body with its content type, or an error. */
  private sealed interface Wire {
    record Success(String contentType, byte[] body) implements Wire {}

    record Error(ErrorCode code, String message, Long retryAfterMs) implements Wire {}
  }

  private Wire wire(CommandResult result) {
    return switch (result) {
      case CommandResult.Ok ok ->
          new Wire.Success(
              "application/json", ok.body() == null ? null : json.writeValueAsBytes(ok.body()));
      case CommandResult.Raw raw -> new Wire.Success(raw.contentType(), raw.body());
      case CommandResult.Failure failure -> new Wire.Error(failure.code(), failure.message(), null);
      case CommandResult.Busy busy ->
          new Wire.Error(
              ErrorCode.BUSY,
              busy.jobClass().metricName() + " jobs are at capacity; retry later",
              busy.retryAfter().toMillis());
    };
  }

  /** Answers a unary command. */
  public void reply(String replyTo, String id, CommandResult result) {
    switch (wire(result)) {
      case Wire.Success ok ->
          ok(
              replyTo,
              id,
              ok.contentType(),
              ok.body() == null ? "{}".getBytes(StandardCharsets.UTF_8) : ok.body());
      case Wire.Error error ->
          error(replyTo, id, error.code(), error.message(), error.retryAfterMs());
    }
  }

  /**
   * Ends a stream with the frame its command's result calls for: END with the summary, or ERROR.
   */
  public void finish(CommandStream stream, CommandResult result) {
    switch (wire(result)) {
      case Wire.Success ok -> stream.end(ok.body());
      case Wire.Error error -> {
        count(error.code());
        stream.fail(errorBytes(stream.id(), error.code(), error.message(), error.retryAfterMs()));
      }
    }
  }

  /** An error reply to a command that never reached the dispatcher (bad input, busy intake). */
  public void error(String replyTo, String id, ErrorCode code, String message, Long retryAfterMs) {
    count(code);
    io.nats.client.impl.Headers headers =
        base("error")
            .put(Headers.ERROR_CODE, code.name())
            .put(Headers.CONTENT_TYPE, "application/json");
    if (retryAfterMs != null) {
      headers.put(Headers.RETRY_AFTER_MS, Long.toString(retryAfterMs));
    }
    InterruptSafe.publish(
        connection(), replyTo, headers, errorBytes(id, code, message, retryAfterMs));
  }

  public byte[] errorBytes(String id, ErrorCode code, String message, Long retryAfterMs) {
    return json.writeValueAsBytes(new ErrorBody(id, code.name(), message, retryAfterMs));
  }

  private void count(ErrorCode code) {
    meters
        .counter("agent.commands.errors", "code", code.name().toLowerCase(Locale.ROOT))
        .increment();
  }

  private void ok(String replyTo, String id, String contentType, byte[] body) {
    Connection connection = connection();
    if (body.length > connection.getMaxPayload() - HEADER_ROOM) {
      error(
          replyTo,
          id,
          ErrorCode.PAYLOAD_TOO_LARGE,
          "reply of "
              + body.length
              + " bytes exceeds the NATS server's max_payload of "
              + connection.getMaxPayload()
              + " bytes; use the streaming variant or a smaller page",
          null);
      return;
    }
    InterruptSafe.publish(
        connection, replyTo, base("ok").put(Headers.CONTENT_TYPE, contentType), body);
  }

  private Connection connection() {
    Connection connection = session.connection();
    if (connection == null) {
      throw new IllegalStateException("no NATS connection yet");
    }
    return connection;
  }

  private io.nats.client.impl.Headers base(String status) {
    return new io.nats.client.impl.Headers()
        .put(Headers.STATUS, status)
        .put(Headers.INSTANCE, instanceId);
  }
}
