package io.clusteragent.core.command;

/** The other end of a stream is gone (cancelled, timed out, or lost): the producer must stop. */
public class StreamClosedException extends Exception {
  public StreamClosedException(String message) {
    super(message);
  }
}
