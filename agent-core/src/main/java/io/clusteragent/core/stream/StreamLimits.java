package io.clusteragent.core.stream;

import java.time.Duration;

/**
 * What one stream may hold and wait for. {@code maxFrameBytes} bounds a frame in either direction;
 * {@code inputWindow} is how many input frames the platform may have in flight, so a stream holds
 * at most {@code inputWindow × maxFrameBytes} of input; {@code stallTimeout} is how long a producer
 * waits for credit before the consumer counts as gone.
 */
public record StreamLimits(int maxFrameBytes, Duration stallTimeout, int inputWindow) {

  public StreamLimits {
    if (maxFrameBytes < 1
        || inputWindow < 1
        || stallTimeout.isNegative()
        || stallTimeout.isZero()) {
      throw new IllegalArgumentException(
          "stream limits must be positive, got "
              + maxFrameBytes
              + " bytes, "
              + inputWindow
              + " frames, "
              + stallTimeout);
    }
  }
}
