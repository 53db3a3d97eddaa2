package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameTest {

  private static NatsMessage message(io.nats.client.impl.Headers headers, String body) {
    return NatsMessage.builder()
        .subject("_INBOX.x")
        .headers(headers)
        .data(body.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  private static io.nats.client.impl.Headers frameHeaders(String kind, String seq) {
    return new io.nats.client.impl.Headers()
        .put(Headers.FRAME, kind)
        .put(Headers.SEQ, seq)
        .put(Headers.STREAM, "s-1")
        .put(Headers.INSTANCE, "replica-a");
  }

  @Test
  void readsKindSequenceStreamAndInstanceFromHeaders() {
    Frame frame = Frame.from(message(frameHeaders("data", "7"), "hello"));

    assertThat(frame.kind()).isEqualTo(FrameKind.DATA);
    assertThat(frame.seq()).isEqualTo(7);
    assertThat(frame.stream()).isEqualTo("s-1");
    assertThat(frame.instance()).isEqualTo("replica-a");
    assertThat(frame.text()).isEqualTo("hello");
    assertThat(frame.terminal()).isFalse();
  }

  @Test
  void anErrorFrameCarriesItsErrorBody() {
    Frame frame =
        Frame.from(
            message(
                frameHeaders("error", "3"),
                "{\"id\":\"s-1\",\"code\":\"CANCELLED\",\"message\":\"consumer stalled\"}"));

    assertThat(frame.terminal()).isTrue();
    assertThat(frame.error().code()).isEqualTo("CANCELLED");
    assertThat(frame.error().message()).isEqualTo("consumer stalled");
  }

  @Test
  void anEndFrameWithoutSummaryHasNoJson() {
    Frame frame = Frame.from(message(frameHeaders("end", "2"), ""));

    assertThat(frame.json()).isNull();
    assertThat(frame.error()).isNull();
  }

  @Test
  void framesWithoutOrWithGarbledHeadersAreMalformed() {
    assertThatThrownBy(() -> Frame.from(message(null, "x")))
        .isInstanceOfSatisfying(
            StreamProtocolException.class,
            e ->
                assertThat(e.violation())
                    .isEqualTo(StreamProtocolException.Violation.MALFORMED_FRAME));
    assertThatThrownBy(() -> Frame.from(message(frameHeaders("data", "seven"), "x")))
        .isInstanceOfSatisfying(
            StreamProtocolException.class,
            e ->
                assertThat(e.violation())
                    .isEqualTo(StreamProtocolException.Violation.MALFORMED_FRAME));
    assertThatThrownBy(() -> Frame.from(message(frameHeaders("chunk", "1"), "x")))
        .isInstanceOfSatisfying(
            StreamProtocolException.class,
            e ->
                assertThat(e.violation())
                    .isEqualTo(StreamProtocolException.Violation.MALFORMED_FRAME));
  }
}
