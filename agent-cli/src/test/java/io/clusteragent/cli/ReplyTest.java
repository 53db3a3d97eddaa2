package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyTest {

  private static NatsMessage message(io.nats.client.impl.Headers headers, String body) {
    return NatsMessage.builder()
        .subject("_INBOX.x")
        .headers(headers)
        .data(body.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  @Test
  void anOkReplyExposesStatusInstanceAndJson() {
    Reply reply =
        Reply.from(
            message(
                new io.nats.client.impl.Headers()
                    .put(Headers.STATUS, "ok")
                    .put(Headers.INSTANCE, "replica-a")
                    .put(Headers.CONTENT_TYPE, "application/json"),
                "{\"pong\":true}"));

    assertThat(reply.ok()).isTrue();
    assertThat(reply.instance()).isEqualTo("replica-a");
    assertThat(reply.contentType()).isEqualTo("application/json");
    assertThat(reply.json().get("pong").asBoolean()).isTrue();
    assertThat(reply.error()).isNull();
  }

  @Test
  void anErrorReplyCarriesTheParsedErrorBody() {
    Reply reply =
        Reply.from(
            message(
                new io.nats.client.impl.Headers()
                    .put(Headers.STATUS, "error")
                    .put(Headers.ERROR_CODE, "BUSY"),
                "{\"id\":\"c-1\",\"code\":\"BUSY\",\"message\":\"read jobs are at capacity\",\"retryAfterMs\":250}"));

    assertThat(reply.ok()).isFalse();
    assertThat(reply.error().code()).isEqualTo("BUSY");
    assertThat(reply.error().retryAfterMs()).isEqualTo(250L);
    assertThat(reply.header(Headers.ERROR_CODE)).isEqualTo("BUSY");
  }

  @Test
  void anUnreadableErrorBodyStillLeavesTheStatus() {
    Reply reply =
        Reply.from(
            message(new io.nats.client.impl.Headers().put(Headers.STATUS, "error"), "not json"));

    assertThat(reply.ok()).isFalse();
    assertThat(reply.status()).isEqualTo(Reply.ERROR);
    assertThat(reply.error()).isNull();
    assertThat(reply.text()).isEqualTo("not json");
  }

  @Test
  void aReplyWithoutHeadersHasNoStatus() {
    Reply reply = Reply.from(message(null, "{}"));

    assertThat(reply.status()).isNull();
    assertThat(reply.ok()).isFalse();
    assertThat(reply.headers()).isNotNull();
  }
}
