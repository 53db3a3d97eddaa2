package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.FrameKind;
import org.junit.jupiter.api.Test;

class StreamStateTest {

  private static Frame frame(FrameKind kind, long seq) {
    return new Frame(kind, "s-1", seq, "replica-a", new byte[0]);
  }

  @Test
  void framesInOrderWithinCreditAreAccepted() {
    StreamState state = new StreamState("s-1", 2);

    assertThat(state.accept(frame(FrameKind.DATA, 1))).isNull();
    assertThat(state.accept(frame(FrameKind.HEARTBEAT, 1))).isNull();
    assertThat(state.accept(frame(FrameKind.DATA, 2))).isNull();
    assertThat(state.accept(frame(FrameKind.END, 3))).isNull();

    assertThat(state.dataFrames()).isEqualTo(2);
    assertThat(state.outstandingCredit()).isZero();
    assertThat(state.terminal().kind()).isEqualTo(FrameKind.END);
  }

  @Test
  void aSkippedSequenceNumberIsAGapReportedOnce() {
    StreamState state = new StreamState("s-1", 8);
    state.accept(frame(FrameKind.DATA, 1));

    StreamProtocolException gap = state.accept(frame(FrameKind.DATA, 3));

    assertThat(gap.violation()).isEqualTo(StreamProtocolException.Violation.SEQUENCE_GAP);
    assertThat(gap.getMessage()).contains("seq 3", "expected 2");
    assertThat(gap.frame().seq()).isEqualTo(3);
    assertThat(state.accept(frame(FrameKind.DATA, 4)))
        .as("the sequence continues from the frame that revealed the gap")
        .isNull();
  }

  @Test
  void aHeartbeatAheadOfWhatArrivedRevealsLostFrames() {
    StreamState state = new StreamState("s-1", 8);
    state.accept(frame(FrameKind.DATA, 1));

    StreamProtocolException gap = state.accept(frame(FrameKind.HEARTBEAT, 2));

    assertThat(gap.violation()).isEqualTo(StreamProtocolException.Violation.SEQUENCE_GAP);
    assertThat(state.accept(frame(FrameKind.END, 3))).isNull();
  }

  @Test
  void aHeartbeatBeforeAnyDataCarriesZero() {
    StreamState state = new StreamState("s-1", 8);

    assertThat(state.accept(frame(FrameKind.HEARTBEAT, 0))).isNull();
    assertThat(state.accept(frame(FrameKind.DATA, 1))).isNull();
  }

  @Test
  void aRepeatedSequenceNumberIsOutOfOrder() {
    StreamState state = new StreamState("s-1", 8);
    state.accept(frame(FrameKind.DATA, 1));

    assertThat(state.accept(frame(FrameKind.DATA, 1)).violation())
        .isEqualTo(StreamProtocolException.Violation.OUT_OF_ORDER);
  }

  @Test
  void dataBeyondTheGrantedCreditIsAnOverrun() {
    StreamState state = new StreamState("s-1", 1);
    state.accept(frame(FrameKind.DATA, 1));

    StreamProtocolException overrun = state.accept(frame(FrameKind.DATA, 2));

    assertThat(overrun.violation()).isEqualTo(StreamProtocolException.Violation.CREDIT_EXCEEDED);
    assertThat(state.outstandingCredit()).isEqualTo(-1);
  }

  @Test
  void grantsExtendTheCreditAndEndAndErrorFramesCostNone() {
    StreamState state = new StreamState("s-1", 1);
    state.accept(frame(FrameKind.DATA, 1));
    state.granted(2);

    assertThat(state.accept(frame(FrameKind.DATA, 2))).isNull();
    assertThat(state.accept(frame(FrameKind.DATA, 3))).isNull();
    assertThat(state.accept(frame(FrameKind.ERROR, 4))).isNull();
    assertThat(state.outstandingCredit()).isZero();
    assertThat(state.granted()).isEqualTo(3);
  }

  @Test
  void anythingAfterTheEndIsRefused() {
    StreamState state = new StreamState("s-1", 8);
    state.accept(frame(FrameKind.END, 1));

    assertThat(state.accept(frame(FrameKind.HEARTBEAT, 1)).violation())
        .isEqualTo(StreamProtocolException.Violation.FRAME_AFTER_END);
    assertThat(state.accept(frame(FrameKind.ERROR, 2)).violation())
        .isEqualTo(StreamProtocolException.Violation.FRAME_AFTER_END);
  }

  @Test
  void framesOfAnotherStreamAreRefusedAndNotCounted() {
    StreamState state = new StreamState("s-1", 8);

    StreamProtocolException foreign =
        state.accept(new Frame(FrameKind.DATA, "s-2", 1, "replica-a", new byte[0]));

    assertThat(foreign.violation()).isEqualTo(StreamProtocolException.Violation.WRONG_STREAM);
    assertThat(state.dataFrames()).isZero();
    assertThat(state.lastSeq()).isZero();
  }
}
