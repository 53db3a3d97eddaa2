package io.clusteragent.core.command;

import io.clusteragent.protocol.ErrorCode;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** How a command ended. A closed set: the bridge maps each to exactly one kind of wire reply. */
public sealed interface CommandResult {

  /** Success with a JSON body (for a stream: the summary sent with its end frame, may be null). */
  record Ok(JsonNode body) implements CommandResult {}

  /** Success whose body is raw bytes the agent did not parse (e.g. an API server response). */
  record Raw(String contentType, byte[] body) implements CommandResult {}

  record Failure(ErrorCode code, String message) implements CommandResult {}

  /** The job class is at capacity; the platform should retry after the hint. */
  record Busy(JobClass jobClass, Duration retryAfter) implements CommandResult {}

  static CommandResult ok(JsonNode body) {
    return new Ok(body);
  }

  static CommandResult failure(ErrorCode code, String message) {
    return new Failure(code, message);
  }
}
