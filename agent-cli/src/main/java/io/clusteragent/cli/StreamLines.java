package io.clusteragent.cli;

import io.clusteragent.protocol.ErrorBody;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * Reads a stream whose data frames carry lines (resources.list, resources.watch): frames are cut
 * anywhere, so a line may span frames and a frame may hold many lines. Single-threaded, like {@link
 * PlatformStream#next}.
 */
public final class StreamLines {

  private final PlatformStream stream;
  private final Duration idle;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private byte[] chunk = new byte[0];
  private int position;
  private JsonNode summary;

  /**
   * @param idle how long to wait for a frame (heartbeats count) before giving up
   */
  public StreamLines(PlatformStream stream, Duration idle) {
    this.stream = stream;
    this.idle = idle;
  }

  /**
   * The next line as JSON, or null once the stream ended normally (then {@link #summary()} holds
   * the end frame's body).
   *
   * @throws StreamFailedException when the stream ended with an error frame, or went quiet
   */
  public JsonNode next() throws InterruptedException {
    while (true) {
      for (int i = position; i < chunk.length; i++) {
        if (chunk[i] == '\n') {
          partial.write(chunk, position, i - position);
          position = i + 1;
          byte[] line = partial.toByteArray();
          partial.reset();
          if (line.length > 0) {
            return WireJson.MAPPER.readTree(line);
          }
        }
      }
      partial.write(chunk, position, chunk.length - position);
      position = chunk.length;
      if (summary != null) {
        return null;
      }
      Frame frame = stream.next(idle);
      if (frame == null) {
        throw new StreamFailedException(
            null, "no frame within " + idle.toSeconds() + " s on stream " + stream.id());
      }
      switch (frame.kind()) {
        case DATA -> {
          chunk = frame.body();
          position = 0;
        }
        case END -> {
          JsonNode body = frame.json();
          summary = body == null ? WireJson.MAPPER.createObjectNode() : body;
          if (partial.size() > 0) {
            chunk = new byte[] {'\n'};
            position = 0;
          }
        }
        case ERROR -> {
          ErrorBody error = frame.error();
          throw new StreamFailedException(
              error, error == null ? "stream failed: " + frame.text() : error.message());
        }
        default -> {
          // heartbeats and credit frames carry no lines
        }
      }
    }
  }

  /** The end frame's summary; null until the stream ended. */
  public JsonNode summary() {
    return summary;
  }

  /** A stream that ended with an error frame (error set) or stopped arriving (error null). */
  public static final class StreamFailedException extends RuntimeException {
    private final transient ErrorBody error;

    StreamFailedException(ErrorBody error, String message) {
      super(message);
      this.error = error;
    }

    public ErrorBody error() {
      return error;
    }

    /** The error code of the error frame, or null when the stream went quiet. */
    public String code() {
      return error == null ? null : error.code();
    }
  }
}
