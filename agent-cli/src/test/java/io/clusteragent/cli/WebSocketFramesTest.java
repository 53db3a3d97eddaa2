package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WebSocketFramesTest {

  @Test
  void aBoundaryIsOnlyBetweenWholeFramesHoweverTheBytesAreSplit() {
    byte[] small = {(byte) 0x82, 3, 1, 'h', 'i'};
    byte[] medium = new byte[4 + 300];
    medium[0] = (byte) 0x82;
    medium[1] = 126;
    medium[2] = 300 >> 8;
    medium[3] = (byte) (300 & 0xff);
    byte[] stream = new byte[small.length + medium.length];
    System.arraycopy(small, 0, stream, 0, small.length);
    System.arraycopy(medium, 0, stream, small.length, medium.length);
    for (int split = 1; split < stream.length; split++) {
      WebSocketFrames frames = new WebSocketFrames();
      frames.consume(Arrays.copyOfRange(stream, 0, split));
      assertThat(frames.atBoundary()).as("after %d bytes", split).isEqualTo(split == small.length);
      frames.consume(Arrays.copyOfRange(stream, split, stream.length));
      assertThat(frames.atBoundary()).as("after all, split at %d", split).isTrue();
    }
  }

  @Test
  void aCloseFrameCarriesItsCodeAndAReasonThatFitsOneFrame() {
    byte[] close = WebSocketFrames.close(1011, "é".repeat(100));
    assertThat(close[0]).isEqualTo((byte) 0x88);
    assertThat(close[1]).isLessThanOrEqualTo((byte) 125).isEqualTo((byte) (close.length - 2));
    assertThat(((close[2] & 0xff) << 8) | (close[3] & 0xff)).isEqualTo(1011);
    // whole characters only: a client refuses a reason that is not valid UTF-8
    assertThat(new String(close, 4, close.length - 4, StandardCharsets.UTF_8))
        .isEqualTo("é".repeat(61));
    WebSocketFrames frames = new WebSocketFrames();
    frames.consume(close);
    assertThat(frames.atBoundary()).isTrue();
  }
}
