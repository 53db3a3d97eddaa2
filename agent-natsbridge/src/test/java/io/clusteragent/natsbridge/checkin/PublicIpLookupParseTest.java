package io.clusteragent.natsbridge.checkin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PublicIpLookupParseTest {

  @Test
  void acceptsJsonOrPlainTextAndRejectsAnythingElse() {
    assertThat(PublicIpLookup.parse("{\"ip\": \"203.0.113.7\"}")).isEqualTo("203.0.113.7");
    assertThat(PublicIpLookup.parse("2001:db8::1\n")).isEqualTo("2001:db8::1");
    assertThat(PublicIpLookup.parse("<html>error</html>")).isNull();
    assertThat(PublicIpLookup.parse("")).isNull();
  }
}
