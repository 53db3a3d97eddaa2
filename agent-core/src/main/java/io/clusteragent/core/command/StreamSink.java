package io.clusteragent.core.command;

/**
 * Where a streaming command writes its output. {@link #send} blocks while the consumer has granted
 * no credit, which is how a slow consumer pauses its own producer instead of growing memory.
 */
public interface StreamSink {

  /**
   * Sends one chunk; may split it to fit the transport's frame size.
   *
   * @throws StreamClosedException when the consumer cancelled or vanished: stop producing
   */
  void send(byte[] chunk) throws InterruptedException, StreamClosedException;

  /**
   * The next chunk of the platform's input (exec stdin, port-forward bytes); blocks until one
   * arrives. Returns null once the platform has ended its input.
   *
   * @throws StreamClosedException when the stream was stopped, or it carries no input
   */
  default byte[] receive() throws InterruptedException, StreamClosedException {
    throw new StreamClosedException("this command takes no input");
  }

  /** A sink for unary commands: streaming is a programming error there. */
  StreamSink NONE =
      chunk -> {
        throw new StreamClosedException("this command is not a stream");
      };
}
