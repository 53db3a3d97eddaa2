package io.clusteragent.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceRequestCommandTest {

  @Test
  void theRequestedTimeoutIsCutToTheCap() {
    Duration cap = Duration.ofSeconds(120);
    assertThat(ServiceRequestCommand.effectiveTimeout(30, cap)).isEqualTo(Duration.ofSeconds(30));
    assertThat(ServiceRequestCommand.effectiveTimeout(999, cap)).isEqualTo(cap);
    assertThat(ServiceRequestCommand.effectiveTimeout(0, cap)).isEqualTo(Duration.ofSeconds(1));
  }
}
