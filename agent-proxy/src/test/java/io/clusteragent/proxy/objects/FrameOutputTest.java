package io.clusteragent.proxy.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.command.StreamSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameOutputTest {

  @Test
  void bytesLeaveInChunksOfAtMostTheChunkSize() {
    List<byte[]> frames = new ArrayList<>();
    FrameOutput out = new FrameOutput(frames::add, 4);
    out.write(new byte[] {1, 2, 3}, 0, 3);
    out.write(new byte[] {4, 5, 6, 7, 8, 9}, 0, 6);
    assertThat(frames).hasSize(2);
    out.flush();
    assertThat(frames).extracting(f -> f.length).containsExactly(4, 4, 1);
    assertThat(out.sent()).isEqualTo(9);
    out.flush();
    assertThat(frames).hasSize(3);
  }

  @Test
  void aClosedStreamStopsTheWriterWithTheSinksOwnException() {
    StreamSink closed =
        chunk -> {
          throw new StreamClosedException("platform stopped reading");
        };
    FrameOutput out = new FrameOutput(closed, 2);
    out.write(1);
    out.write(2);
    assertThatThrownBy(() -> out.write(3))
        .isInstanceOfSatisfying(
            FrameOutput.Stopped.class,
            stopped ->
                assertThatThrownBy(stopped::rethrow)
                    .isInstanceOf(StreamClosedException.class)
                    .hasMessage("platform stopped reading"));
  }

  @Test
  void aBoundedBufferRefusesToGrowPastItsBound() {
    BoundedBuffer buffer = new BoundedBuffer(3);
    buffer.write(new byte[] {1, 2}, 0, 2);
    assertThatThrownBy(() -> buffer.write(new byte[] {3, 4}, 0, 2))
        .isInstanceOf(BoundedBuffer.Full.class)
        .hasMessageContaining("3 bytes");
    buffer.write(3);
    assertThat(buffer.toByteArray()).containsExactly(1, 2, 3);
  }
}
