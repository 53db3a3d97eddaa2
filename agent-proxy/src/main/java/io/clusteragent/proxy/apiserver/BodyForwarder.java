package io.clusteragent.proxy.apiserver;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.CommandException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Forwards a streaming response body (followed logs, watch events) to the command's stream as the
 * bytes arrive, unparsed. The sink blocks while the platform grants no credit, so a slow reader
 * pauses the read from the API server instead of buffering in the agent.
 */
public final class BodyForwarder {

  public static final int MAX_CHUNK_BYTES = 32 * 1024;

  private BodyForwarder() {}

  /**
   * Sends the body chunk by chunk until it ends or the platform closes the stream, and returns the
   * number of bytes sent. The caller closes the response (which ends the API server request).
   *
   * @throws InterruptedException when the command was cancelled
   * @throws CommandException when the API server connection failed mid-body
   */
  public static long forward(InputStream body, CommandContext context)
      throws CommandException, InterruptedException {
    long sent = 0;
    byte[] buffer = new byte[MAX_CHUNK_BYTES];
    try {
      while (true) {
        int filled;
        try {
          filled = readAvailable(body, buffer);
        } catch (IOException e) {
          throw ApiServerGet.readFailure(e, context.cancellation());
        }
        if (filled < 0) {
          return sent;
        }
        if (context.cancellation().isCancelled()) {
          throw new InterruptedException(context.cancellation().reason().message());
        }
        context.stream().send(Arrays.copyOf(buffer, filled));
        sent += filled;
      }
    } catch (StreamClosedException e) {
      // The platform stopped reading: there is nobody left to send a result to.
      return sent;
    }
  }

  /**
   * Blocks for the first bytes, then takes whatever else is already buffered without waiting: a
   * quiet stream must not hold back a line until the chunk is full. Returns -1 at the end.
   */
  private static int readAvailable(InputStream body, byte[] buffer) throws IOException {
    int filled = body.read(buffer, 0, buffer.length);
    if (filled <= 0) {
      return filled;
    }
    while (filled < buffer.length && body.available() > 0) {
      int more = body.read(buffer, filled, buffer.length - filled);
      if (more <= 0) {
        break;
      }
      filled += more;
    }
    return filled;
  }
}
