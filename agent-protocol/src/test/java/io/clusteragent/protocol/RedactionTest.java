package io.clusteragent.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

  @Test
  void credentialsInUrlsAreHiddenAndTheRestKept() {
    assertThat(
            Redaction.urls(
                "connecting to [nats://bob:s3cret@nats.example:4222, tls://tok3n@10.0.0.1:4222]"))
        .isEqualTo("connecting to [nats://***@nats.example:4222, tls://***@10.0.0.1:4222]");
    assertThat(Redaction.urls("nats://nats.example:4222")).isEqualTo("nats://nats.example:4222");
    assertThat(Redaction.urls(null)).isNull();
  }
}
