package io.clusteragent.natsbridge.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A cancelled handler's thread is interrupted while it may still be publishing its frame: against
 * the real nats-server, jnats loses a message published from an interrupted thread, and {@link
 * InterruptSafe} delivers it and leaves the interrupt set.
 */
@WithTestEnvironment
class InterruptSafeTest {

  @Test
  void aMessagePublishedFromAnInterruptedThreadArrivesAndTheInterruptStays(TestEnvironment env)
      throws Exception {
    try (Connection publisher = Nats.connect(env.natsUrl());
        Connection reader = Nats.connect(env.natsUrl())) {
      Subscription sub = reader.subscribe("interrupt-safe.test");
      reader.flush(Duration.ofSeconds(5));

      boolean[] stillInterrupted = new boolean[2];
      Thread plain =
          Thread.ofVirtual()
              .unstarted(() -> {
                Thread.currentThread().interrupt();
                publisher.publish("interrupt-safe.test", new Headers(), "plain".getBytes());
                stillInterrupted[0] = Thread.currentThread().isInterrupted();
              });
      plain.start();
      plain.join();
      Thread safe =
          Thread.ofVirtual()
              .unstarted(() -> {
                Thread.currentThread().interrupt();
                InterruptSafe.publish(
                    publisher, "interrupt-safe.test", new Headers(), "safe".getBytes());
                stillInterrupted[1] = Thread.currentThread().isInterrupted();
              });
      safe.start();
      safe.join();
      publisher.flush(Duration.ofSeconds(5));

      Message first = sub.nextMessage(Duration.ofSeconds(5));
      assertThat(first).as("a message arrives").isNotNull();
      // the plain publish was discarded by jnats; if a jnats release stops doing that, this says so
      assertThat(new String(first.getData())).isEqualTo("safe");
      assertThat(sub.nextMessage(Duration.ofMillis(500))).isNull();
      assertThat(stillInterrupted).containsExactly(true, true);
    }
  }
}
