package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A real nats-server with JetStream, including a restart on the same port that keeps stream data.
 */
@WithTestEnvironment
class NatsTest {

  @Test
  void requestReplyRoundTrip(TestEnvironment env) throws Exception {
    try (Connection nc = Nats.connect(env.natsUrl())) {
      Dispatcher d =
          nc.createDispatcher(msg ->
              nc.publish(
                  msg.getReplyTo(),
                  ("pong:" + new String(msg.getData(), StandardCharsets.UTF_8))
                      .getBytes(StandardCharsets.UTF_8)));
      d.subscribe("test.ping");
      nc.flush(Duration.ofSeconds(5));

      Message reply =
          nc.request("test.ping", "42".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));

      assertThat(reply).isNotNull();
      assertThat(new String(reply.getData(), StandardCharsets.UTF_8)).isEqualTo("pong:42");
    }
  }

  @Test
  void jetStreamPublishAndConsumeSurvivesServerRestart(TestEnvironment env) throws Exception {
    JetStreamOptions jso =
        JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(10)).build();
    try (Connection nc = Nats.connect(env.natsUrl())) {
      JetStreamManagement jsm = nc.jetStreamManagement(jso);
      jsm.addStream(
          StreamConfiguration.builder()
              .name("TESTENV")
              .subjects("testenv.>")
              .storageType(StorageType.File)
              .build());
      JetStream js = nc.jetStream(jso);

      PublishAck ack = js.publish("testenv.a", "one".getBytes(StandardCharsets.UTF_8));
      assertThat(ack.getStream()).isEqualTo("TESTENV");

      ConsumerContext consumer =
          nc.getStreamContext("TESTENV", jso)
              .createOrUpdateConsumer(
                  ConsumerConfiguration.builder()
                      .durable("reader")
                      .ackPolicy(AckPolicy.Explicit)
                      .build());
      Message first = consumer.next(Duration.ofSeconds(5));
      assertThat(first).isNotNull();
      assertThat(new String(first.getData(), StandardCharsets.UTF_8)).isEqualTo("one");
      first.ackSync(Duration.ofSeconds(5));
    }

    env.restartNats();

    // same URL, same JetStream store: stream, messages and the durable consumer's position survive
    try (Connection nc = Nats.connect(env.natsUrl())) {
      JetStream js = nc.jetStream(jso);
      PublishAck second = js.publish("testenv.b", "two".getBytes(StandardCharsets.UTF_8));
      assertThat(second.getSeqno()).isEqualTo(2);
      Message next =
          nc.getStreamContext("TESTENV", jso)
              .getConsumerContext("reader")
              .next(Duration.ofSeconds(10));
      assertThat(next).isNotNull();
      assertThat(new String(next.getData(), StandardCharsets.UTF_8)).isEqualTo("two");
      next.ackSync(Duration.ofSeconds(5));
      assertThat(
              nc.jetStreamManagement(jso).getStreamInfo("TESTENV").getStreamState().getMsgCount())
          .isEqualTo(2);
    }
  }

  /**
   * A connection that lives through the restart keeps publishing. jnats 2.25.1 failed this about
   * every second run: after "reconnected" its writer could wait for a reconnect marker it had
   * already passed, so the server showed the client's SUBs but in_msgs stayed 0 (fixed in 2.25.2,
   * nats.java#1522).
   */
  @Test
  void connectionLivingThroughRestartKeepsPublishing(TestEnvironment env) throws Exception {
    JetStreamOptions jso = JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(5)).build();
    try (Connection nc = Nats.connect(env.reconnectingNatsOptions())) {
      nc.jetStreamManagement(jso)
          .addStream(
              StreamConfiguration.builder()
                  .name("RECONNECT")
                  .subjects("reconnect.>")
                  .storageType(StorageType.File)
                  .build());
      JetStream js = nc.jetStream(jso);
      js.publish("reconnect.a", "one".getBytes(StandardCharsets.UTF_8));

      env.restartNats();

      assertThat(publishWhenReconnected(js, "reconnect.b", "two").getSeqno()).isEqualTo(2);
      assertThat(
              nc.jetStreamManagement(jso).getStreamInfo("RECONNECT").getStreamState().getMsgCount())
          .isEqualTo(2);
    }
  }

  private static PublishAck publishWhenReconnected(JetStream js, String subject, String body)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return js.publish(subject, body.getBytes(StandardCharsets.UTF_8));
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }
}
