package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.Test;

/** A real nats-server with JetStream, including a restart on the same port that keeps stream data. */
@WithTestEnvironment
class NatsTest {

    @Test
    void requestReplyRoundTrip(TestEnvironment env) throws Exception {
        try (Connection nc = Nats.connect(env.natsUrl())) {
            Dispatcher d = nc.createDispatcher(msg -> nc.publish(msg.getReplyTo(),
                    ("pong:" + new String(msg.getData(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
            d.subscribe("test.ping");
            nc.flush(Duration.ofSeconds(5));

            Message reply = nc.request("test.ping", "42".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));

            assertThat(reply).isNotNull();
            assertThat(new String(reply.getData(), StandardCharsets.UTF_8)).isEqualTo("pong:42");
        }
    }

    @Test
    void jetStreamPublishAndConsumeSurvivesServerRestart(TestEnvironment env) throws Exception {
        Options options = Options.builder().server(env.natsUrl()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(200)).build();
        try (Connection nc = Nats.connect(options)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("TESTENV").subjects("testenv.>")
                    .storageType(StorageType.File).build());
            JetStream js = nc.jetStream();

            PublishAck ack = js.publish("testenv.a", "one".getBytes(StandardCharsets.UTF_8));
            assertThat(ack.getStream()).isEqualTo("TESTENV");

            ConsumerContext consumer = nc.getStreamContext("TESTENV").createOrUpdateConsumer(
                    ConsumerConfiguration.builder().durable("reader").ackPolicy(AckPolicy.Explicit).build());
            Message first = consumer.next(Duration.ofSeconds(5));
            assertThat(first).isNotNull();
            assertThat(new String(first.getData(), StandardCharsets.UTF_8)).isEqualTo("one");
            first.ack();

            env.restartNats();

            // same URL, same JetStream store: the client reconnects and the stream and consumer are still there
            PublishAck second = publishWhenReconnected(js, "testenv.b", "two");
            assertThat(second.getSeqno()).isEqualTo(2);
            Message next = consumer.next(Duration.ofSeconds(10));
            assertThat(next).isNotNull();
            assertThat(new String(next.getData(), StandardCharsets.UTF_8)).isEqualTo("two");
            next.ack();
            assertThat(jsm.getStreamInfo("TESTENV").getStreamState().getMsgCount()).isEqualTo(2);
        }
    }

    private static PublishAck publishWhenReconnected(JetStream js, String subject, String body) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return js.publish(subject, body.getBytes(StandardCharsets.UTF_8));
            }
            catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
