package io.clusteragent.core.command;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import tools.jackson.databind.JsonNode;

/**
 * The plug-in point for features: a command type the platform can send, the job class it runs
 * under, and the work. Feature modules declare handlers as beans; the dispatcher finds them.
 */
public interface CommandHandler {

  /** Wire name, e.g. {@code resources.list}; unique across the agent. */
  String type();

  JobClass jobClass();

  /** True when the handler writes to {@link CommandContext#stream()} rather than replying once. */
  default boolean streaming() {
    return jobClass() == JobClass.PROXY_STREAM;
  }

  /**
   * Runs the command on a virtual thread. Throw {@link CommandException} for an expected failure
   * with a stable code; anything else becomes {@link ErrorCode#INTERNAL}.
   */
  CommandResult handle(CommandContext context, JsonNode payload) throws Exception;
}
