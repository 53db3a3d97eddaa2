package io.clusteragent.proxy;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.StreamSink;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;

/**
 * Runs a streaming handler the way the dispatcher does: on its own virtual thread, with a context.
 */
final class StreamingRuns {

  private StreamingRuns() {}

  static CommandContext context(
      String idPrefix, StreamSink sink, Actor actor, Cancellation cancellation) {
    return new CommandContext(
        idPrefix + "-" + System.nanoTime(),
        Instant.now().plusSeconds(120),
        actor,
        sink,
        cancellation);
  }

  static Future<CommandResult> runAsync(
      CommandHandler handler, CommandContext context, JsonNode payload) {
    CompletableFuture<CommandResult> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(() -> {
          try {
            result.complete(handler.handle(context, payload));
          } catch (Throwable e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }
}
