package io.clusteragent.natsbridge.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class EnvelopeDecoderTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC);
  private final EnvelopeDecoder decoder = new EnvelopeDecoder(JsonMapper.builder().build(), clock);

  private EnvelopeDecoder.Decoded decode(String json) {
    return decoder.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void validEnvelopeBecomesARequestWithDefaults() {
    var valid =
        (EnvelopeDecoder.Decoded.Valid)
            decode(
                "{\"v\":1,\"id\":\"c-1\",\"type\":\"ping\",\"actor\":{\"user\":\"jane\",\"groups\":[\"dev\"]}}");
    assertThat(valid.request().id()).isEqualTo("c-1");
    assertThat(valid.request().deadline())
        .isEqualTo(clock.instant().plus(EnvelopeDecoder.DEFAULT_DEADLINE));
    assertThat(valid.request().actor().user()).isEqualTo("jane");
    assertThat(valid.request().actor().groups()).containsExactly("dev");
    assertThat(valid.credit()).isEqualTo(8);
  }

  @Test
  void farDeadlinesAreCapped() {
    long farAway = clock.instant().plusSeconds(10 * 86400).toEpochMilli();
    var valid =
        (EnvelopeDecoder.Decoded.Valid)
            decode("{\"v\":1,\"id\":\"c\",\"type\":\"ping\",\"deadline\":" + farAway + "}");
    assertThat(valid.request().deadline())
        .isEqualTo(clock.instant().plus(EnvelopeDecoder.MAX_DEADLINE));
  }

  @Test
  void invalidEnvelopesEchoTheIdWhenReadable() {
    var invalid =
        (EnvelopeDecoder.Decoded.Invalid) decode("{\"v\":9,\"id\":\"c-2\",\"type\":\"ping\"}");
    assertThat(invalid.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
    assertThat(invalid.id()).isEqualTo("c-2");
    var unreadable = (EnvelopeDecoder.Decoded.Invalid) decode("{\"v\":1,");
    assertThat(unreadable.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(unreadable.id()).isNull();
  }

  @Test
  void aMalformedActorIsABadRequestNotAnException() {
    for (String actor :
        new String[] {
          "{\"groups\":[null]}",
          "{\"groups\":[\"\"]}",
          "{\"user\":\"a\\nb\"}",
          "{\"groups\":\"dev\"}",
          "\"jane\""
        }) {
      var decoded = decode("{\"v\":1,\"id\":\"c-3\",\"type\":\"ping\",\"actor\":" + actor + "}");
      assertThat(decoded)
          .as(actor)
          .isInstanceOfSatisfying(
              EnvelopeDecoder.Decoded.Invalid.class,
              invalid -> {
                assertThat(invalid.code()).isEqualTo(ErrorCode.BAD_REQUEST);
                assertThat(invalid.message()).isNotBlank();
              });
    }
  }
}
