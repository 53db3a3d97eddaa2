package io.clusteragent.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.FrameKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CommandStreamTest {

  record Sent(String kind, long seq, int bytes) {}

  private final MeterRegistry meters = new SimpleMeterRegistry();
  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  private final List<Integer> credits = new CopyOnWriteArrayList<>();
  private final FramePublisher publisher =
      new FramePublisher() {
        public void publish(FrameKind kind, long seq, byte[] body) {
          sent.add(new Sent(kind.wire(), seq, body.length));
        }

        public void credit(long lastSeq, int frames) {
          credits.add(frames);
        }
      };

  private CommandStream stream(int credit, int frameBytes, Duration stall) {
    return new CommandStream(
        "s", publisher, credit, new StreamLimits(frameBytes, stall, 4), JobClass.READ, meters);
  }

  @Test
  void splitsLargeChunksAndSpendsOneCreditPerFrame() throws Exception {
    CommandStream stream = stream(3, 100, Duration.ofSeconds(5));
    stream.send(new byte[250]);
    assertThat(sent)
        .containsExactly(
            new Sent("data", 1, 100), new Sent("data", 2, 100), new Sent("data", 3, 50));
    assertThat(stream.availableCredit()).isZero();
    stream.end(null);
    assertThat(sent.get(3)).isEqualTo(new Sent("end", 4, 0));
  }

  @Test
  void blocksWithoutCreditAndResumesOnGrant() throws Exception {
    CommandStream stream = stream(1, 100, Duration.ofSeconds(5));
    stream.send(new byte[10]);
    CompletableFuture<Void> second =
        CompletableFuture.runAsync(() -> {
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
    CommandStream stream = stream(0, 100, Duration.ofSeconds(30));
    CompletableFuture<Throwable> producer =
        CompletableFuture.supplyAsync(() -> {
          try {
            stream.send(new byte[1]);
            return null;
          } catch (Exception e) {
            return e;
          }
        });
    Thread.sleep(200);
    stream.close(new CloseReason.Cancelled("stop"));
    assertThat(producer.get(5, TimeUnit.SECONDS)).isInstanceOf(StreamClosedException.class);
    stream.fail(new byte[3]);
    stream.end(null);
    assertThat(sent).containsExactly(new Sent("error", 1, 3));
    assertThat(stream.closeReason().code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(stream.cancellation().isCancelled())
        .as("the command is stopped with its stream")
        .isTrue();
  }

  @Test
  void stallsOutWhenNoCreditArrives() {
    CommandStream stream = stream(0, 100, Duration.ofMillis(300));
    assertThatThrownBy(() -> stream.send(new byte[1]))
        .isInstanceOf(StreamClosedException.class)
        .hasMessageContaining("consumer stalled");
  }

  @Test
  void idleStreamsGetAFreeHeartbeatCarryingTheLastSequence() throws Exception {
    CommandStream stream = stream(1, 100, Duration.ofSeconds(1));
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
    CommandStream stream = stream(0, 100, Duration.ofSeconds(1));
    stream.grant(Integer.MAX_VALUE);
    assertThat(stream.availableCredit()).isEqualTo(CommandStream.MAX_OUTSTANDING_CREDIT);
  }

  @Test
  void inputIsGrantedOnlyOnceTheHandlerReadsAndCreditReturnsAsItTakes() throws Exception {
    CommandStream stream = stream(1, 100, Duration.ofSeconds(5));
    assertThat(stream.acceptInput(1, false, new byte[1]))
        .as("nothing may arrive before the handler reads")
        .isFalse();
    assertThat(stream.closeReason()).isInstanceOf(CloseReason.InputRejected.class);

    CommandStream reading = stream(1, 100, Duration.ofSeconds(5));
    CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> receive(reading));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (credits.isEmpty() && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertThat(credits).containsExactly(4);
    for (int i = 1; i <= 4; i++) {
      assertThat(reading.acceptInput(i, false, new byte[] {(byte) i})).isTrue();
    }
    assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1);
    assertThat(reading.receive()).containsExactly(2);
    assertThat(credits).as("half the window taken: granted back").containsExactly(4, 2);
    assertThat(reading.acceptInput(5, false, new byte[] {5})).isTrue();
    assertThat(reading.acceptInput(6, false, new byte[] {6})).isTrue();
    assertThat(reading.acceptInput(7, false, new byte[] {7}))
        .as("the 7th frame exceeds 4 + 2 granted")
        .isFalse();
    assertThat(reading.closeReason().code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThatThrownBy(reading::receive)
        .isInstanceOf(StreamClosedException.class)
        .hasMessageContaining("beyond the granted credit");
  }

  @Test
  void endOfInputReadsAsNullForeverAndGapsOrOversizedFramesStopTheStream() throws Exception {
    CommandStream stream = stream(1, 100, Duration.ofSeconds(5));
    CompletableFuture<byte[]> eof = CompletableFuture.supplyAsync(() -> receive(stream));
    Thread.sleep(200);
    assertThat(stream.acceptInput(1, true, new byte[0])).isTrue();
    assertThat(eof.get(5, TimeUnit.SECONDS)).isNull();
    assertThat(stream.receive()).isNull();

    CommandStream gappy = stream(1, 100, Duration.ofSeconds(5));
    CompletableFuture.runAsync(() -> receive(gappy));
    Thread.sleep(200);
    assertThat(gappy.acceptInput(2, false, new byte[1])).isFalse();
    assertThat(gappy.closeReason().message()).contains("lost");

    CommandStream big = stream(1, 100, Duration.ofSeconds(5));
    CompletableFuture.runAsync(() -> receive(big));
    Thread.sleep(200);
    assertThat(big.acceptInput(1, false, new byte[101])).isFalse();
    assertThat(big.closeReason().message()).contains("exceeds 100");
  }

  @Test
  void aCreditFrameLeavesOnlyAfterTheDataFrameWhoseNumberItCarries() throws Exception {
    List<String> wire = new CopyOnWriteArrayList<>();
    CountDownLatch dataPublishing = new CountDownLatch(1);
    CountDownLatch releaseData = new CountDownLatch(1);
    FramePublisher slowTransport =
        new FramePublisher() {
          public void publish(FrameKind kind, long seq, byte[] body) {
            dataPublishing.countDown();
            try {
              releaseData.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            wire.add(kind.wire() + " " + seq);
          }

          public void credit(long lastSeq, int frames) {
            wire.add("credit " + lastSeq);
          }
        };
    CommandStream stream =
        new CommandStream(
            "s",
            slowTransport,
            1,
            new StreamLimits(100, Duration.ofSeconds(5), 4),
            JobClass.READ,
            meters);
    Thread producer =
        Thread.ofPlatform()
            .start(() -> {
              try {
                stream.send(new byte[1]);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    dataPublishing.await();
    // the handler's first read grants input credit while data frame 1 is still on its way out
    Thread reader = Thread.ofPlatform().start(() -> receive(stream));
    while (wire.isEmpty() && reader.getState() != Thread.State.BLOCKED) {
      Thread.onSpinWait();
    }
    releaseData.countDown();
    producer.join();
    assertThat(stream.acceptInput(1, true, new byte[0])).isTrue();
    reader.join();
    assertThat(wire).containsExactly("data 1", "credit 1");
  }

  @Test
  void inputTakenAfterTheEndFrameIsNotGrantedBack() throws Exception {
    CommandStream stream = stream(1, 100, Duration.ofSeconds(5));
    CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> receive(stream));
    while (credits.isEmpty()) {
      Thread.onSpinWait();
    }
    assertThat(stream.acceptInput(1, false, new byte[] {1})).isTrue();
    assertThat(stream.acceptInput(2, false, new byte[] {2})).isTrue();
    assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1);
    stream.end(null);
    assertThat(stream.receive()).containsExactly(2);
    assertThat(credits).as("nothing may follow the end frame").containsExactly(4);
  }

  private CommandStream write(int credit, Duration stall) {
    return new CommandStream(
        "w", publisher, credit, new StreamLimits(100, stall, 4), JobClass.WRITE, meters);
  }

  private double dropped(String reason) {
    var counter = meters.find("agent.streams.frames.dropped").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aStalledWriteKeepsItsProducerGoingDropsProgressAndSendsItsOutcomeOnTheNextGrant()
      throws Exception {
    CommandStream stream = write(1, Duration.ofMillis(300));
    stream.send(new byte[1]);
    long started = System.nanoTime();
    stream.send(new byte[2]); // waits out the stall, then is dropped instead of stopping
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    started = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      stream.send(new byte[3]);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("an unfed write's producer no longer waits")
        .isLessThan(Duration.ofSeconds(1));
    assertThat(stream.cancellation().isCancelled()).as("the command goes on").isFalse();
    assertThat(stream.closeReason()).isNull();
    assertThat(stream.unfedReason()).isInstanceOf(CloseReason.Stalled.class);
    assertThat(stream.framesDropped()).isEqualTo(1001);
    assertThat(dropped("stalled")).isEqualTo(1001);
    assertThat(sent).containsExactly(new Sent("data", 1, 1));

    stream.end(new byte[7]);
    assertThat(stream.holdsFinal()).as("the outcome waits for credit").isTrue();
    assertThat(sent).hasSize(1);
    stream.grant(4);
    assertThat(sent)
        .as("the outcome follows a gap of the 1001 dropped frames")
        .containsExactly(new Sent("data", 1, 1), new Sent("end", 1003, 7));
    assertThat(stream.finalSent()).isDone();
    stream.grant(4);
    stream.fail(new byte[1]);
    assertThat(sent).as("sent once").hasSize(2);
  }

  @Test
  void aStalledWriteResumesSendingWhenCreditReturns() throws Exception {
    CommandStream stream = write(0, Duration.ofMillis(200));
    stream.send(new byte[1]);
    stream.send(new byte[1]);
    assertThat(stream.framesDropped()).isEqualTo(2);
    stream.grant(1);
    stream.send(new byte[5]);
    stream.end(null);
    assertThat(sent).containsExactly(new Sent("data", 3, 5), new Sent("end", 4, 0));
    assertThat(stream.unfedReason()).isNull();
  }

  @Test
  void aWriteWhoseConsumerNeverGrantsAgainGetsItsOutcomeSentOnceAStallTimeoutLater()
      throws Exception {
    CommandStream stream = write(0, Duration.ofMillis(200));
    stream.send(new byte[1]);
    stream.fail(new byte[9]);
    assertThat(sent).isEmpty();
    stream.finalSent().get(5, TimeUnit.SECONDS);
    assertThat(sent).containsExactly(new Sent("error", 2, 9));
    assertThat(stream.isFinished()).isTrue();
  }

  @Test
  void aReapedWriteGoesOnDropsProgressAndSendsItsOutcomeAtOnce() throws Exception {
    CommandStream stream = write(8, Duration.ofSeconds(30));
    stream.send(new byte[1]);
    stream.close(new CloseReason.Reaped());
    stream.send(new byte[1]);
    stream.send(new byte[1]);
    stream.grant(8);
    stream.send(new byte[1]);
    assertThat(stream.cancellation().isCancelled()).isFalse();
    assertThat(dropped("reaped")).as("nobody reads a reaped stream, credit or not").isEqualTo(3);
    stream.end(null);
    assertThat(sent).containsExactly(new Sent("data", 1, 1), new Sent("end", 5, 0));
  }

  @Test
  void aReapAfterAStallSendsTheHeldOutcome() throws Exception {
    CommandStream stream = write(0, Duration.ofMillis(100));
    stream.send(new byte[1]);
    stream.end(null);
    assertThat(stream.holdsFinal()).isTrue();
    stream.close(new CloseReason.Reaped());
    assertThat(sent).containsExactly(new Sent("end", 2, 0));
  }

  @Test
  void aWriteIsStillStoppedByTheCancellation() throws Exception {
    CommandStream stream = write(0, Duration.ofSeconds(30));
    CompletableFuture<Throwable> producer =
        CompletableFuture.supplyAsync(() -> {
          try {
            stream.send(new byte[1]);
            return null;
          } catch (Exception e) {
            return e;
          }
        });
    Thread.sleep(200);
    stream.close(new CloseReason.Cancelled("stop"));
    assertThat(producer.get(5, TimeUnit.SECONDS)).isInstanceOf(StreamClosedException.class);
    assertThat(stream.cancellation().isCancelled()).isTrue();
  }

  @Test
  void aReadStillStallsAndStopsItsCommand() {
    CommandStream stream = stream(0, 100, Duration.ofMillis(300));
    assertThatThrownBy(() -> stream.send(new byte[1]))
        .isInstanceOf(StreamClosedException.class)
        .hasMessageContaining("consumer stalled");
    assertThat(stream.cancellation().reason()).isInstanceOf(CloseReason.Stalled.class);
    stream.close(new CloseReason.Reaped());
    assertThat(stream.unfedReason()).isNull();
    assertThat(dropped("stalled")).isZero();
  }

  private static byte[] receive(CommandStream stream) {
    try {
      return stream.receive();
    } catch (Exception e) {
      return null;
    }
  }
}
