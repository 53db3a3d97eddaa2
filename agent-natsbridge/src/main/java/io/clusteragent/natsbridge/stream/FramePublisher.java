package io.clusteragent.natsbridge.stream;

import io.nats.client.impl.Headers;

/** Sends one message; the seam between stream logic and the NATS connection. */
@FunctionalInterface
public interface FramePublisher {
  void publish(String subject, Headers headers, byte[] body);
}
