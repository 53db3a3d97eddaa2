package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

class ReleaseLockTest {

  @Test
  void secondWriterOnTheSameReleaseIsRefusedAtOnceOthersAreNot() throws Exception {
    ReleaseLock locks = new ReleaseLock();
    try (ReleaseLock.Held first = locks.acquire("ns", "web")) {
      assertThatThrownBy(() -> locks.acquire("ns", "web"))
          .isInstanceOf(CommandException.class)
          .extracting(e -> ((CommandException) e).code())
          .isEqualTo(ErrorCode.CONFLICT);
      locks.acquire("ns", "api").close();
      locks.acquire("other", "web").close();
    }
    assertThat(locks.isHeld("ns", "web")).isFalse();
    locks.acquire("ns", "web").close();
  }
}
