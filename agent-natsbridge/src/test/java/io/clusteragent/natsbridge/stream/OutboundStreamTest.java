package io.clusteragent.natsbridge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.core.command.StreamClosedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutboundStreamTest {

  record Sent(String kind, long seq, int bytes) {}

  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  private final FramePublisher publisher = (subject, headers, body) ->
      sent.add(new Sent(headers.getFirst("Agent-Frame"), Long.parseLong(headers.getFirst("Agent-Seq")), body.length));

  @Test
  void splitsLargeChunksAndSpendsOneCreditPerFrame() throws Exception {
    OutboundStream stream = new OutboundStream("s", "_INBOX.x", "i", publisher, 3, 100, Duration.ofSeconds(5));
    stream.send(new byte[250]);
    assertThat(sent).containsExactly(new Sent("data", 1, 100), new Sent("data", 2, 100), new Sent("data", 3, 50));
    assertThat(stream.availableCredit()).isZero();
    stream.end(null);
    assertThat(sent.get(3)).isEqualTo(new Sent("end", 4, 0));
  }

  @Test
  void blocksWithoutCreditAndResumesOnGrant() throws Exception {
    OutboundStream stream = new OutboundStream("s", "_INBOX.x", "i", publisher, 1, 100, Duration.ofSeconds(5));
    stream.send(new byte[10]);
    CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
      try {
        stream.send(new byte[10]);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(300);
    assertThat(second).isNotDone();
    assertThat(sent).hasSize(1);
    stream.grant(1);
    second.get(5, TimeUnit.SECONDS);
    assertThat(sent).hasSize(2);
  }

  @Test
  void closingWakesABlockedProducerAndOnlyOneTerminalFrameIsSent() throws Exception {
    OutboundStream stream = new OutboundStream("s", "_INBOX.x", "i", publisher, 0, 100, Duration.ofSeconds(30));
    CompletableFuture<Throwable> producer = CompletableFuture.supplyAsync(() -> {
      try {
        stream.send(new byte[1]);
        return null;
      } catch (Exception e) {
        return e;
      }
    });
    Thread.sleep(200);
    stream.close(ErrorCode.CANCELLED, "stop");
    assertThat(producer.get(5, TimeUnit.SECONDS)).isInstanceOf(StreamClosedException.class);
    stream.fail(new byte[3]);
    stream.end(null);
    assertThat(sent).containsExactly(new Sent("error", 1, 3));
    assertThat(stream.closeCode()).isEqualTo(ErrorCode.CANCELLED);
  }

  @Test
  void stallsOutWhenNoCreditArrives() {
    OutboundStream stream = new OutboundStream("s", "_INBOX.x", "i", publisher, 0, 100, Duration.ofMillis(300));
    assertThatThrownBy(() -> stream.send(new byte[1])).isInstanceOf(StreamClosedException.class).hasMessageContaining("consumer stalled");
  }

  @Test
  void idleStreamsGetAFreeHeartbeatCarryingTheLastSequence() throws Exception {
    OutboundStream stream = new OutboundStream("s", "_INBOX.x", "i", publisher, 1, 100, Duration.ofSeconds(1));
    stream.send(new byte[5]);
    stream.heartbeatIfIdle(Duration.ofSeconds(60));
    assertThat(sent).hasSize(1);
    Thread.sleep(60);
    stream.heartbeatIfIdle(Duration.ofMillis(50));
    assertThat(sent).containsExactly(new Sent("data", 1, 5), new Sent("heartbeat", 1, 0));
    assertThat(stream.availableCredit()).isZero();
  }

  @Test
  void grantsAreCapped() {
    OutboundStream stream = new OutboundStream("s", "_INBOX.x", "i", publisher, 0, 100, Duration.ofSeconds(1));
    stream.grant(Integer.MAX_VALUE);
    assertThat(stream.availableCredit()).isEqualTo(OutboundStream.MAX_OUTSTANDING_CREDIT);
  }
}
