package io.clusteragent.core.lifecycle;

/**
 * Something that takes commands in (the NATS bridge). Stopped first on shutdown so no new work
 * arrives.
 */
public interface CommandIntake {

  /** Stop taking new commands; running ones keep their reply path until they finish. */
  void stopIntake();
}
