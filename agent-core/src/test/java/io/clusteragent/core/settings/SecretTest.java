package io.clusteragent.core.settings;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretTest {

  @Test
  void neverPrintsItsValue() {
    Secret secret = new Secret("  s3cr3t-token \n");
    assertThat(secret.reveal()).isEqualTo("s3cr3t-token");
    assertThat(secret.toString()).doesNotContain("s3cr3t");
    assertThat(String.valueOf(new Holder(secret))).doesNotContain("s3cr3t");
  }

  record Holder(Secret token) {}
}
