package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.Subjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class EnvelopeBuildingTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final AtomicInteger counter = new AtomicInteger();
  private final PlatformClient client =
      new PlatformClient(
          null,
          new Subjects("agent", "c1"),
          false,
          Clock.fixed(NOW, ZoneOffset.UTC),
          () -> "p-" + counter.incrementAndGet(),
          null);

  @Test
  void aUnaryEnvelopeIsVersionOneWithIdTypeAndDeadline() {
    Envelope envelope = client.envelope("ping", null, Duration.ofSeconds(10), null);

    assertThat(envelope.v()).isEqualTo(1);
    assertThat(envelope.id()).isEqualTo("p-1");
    assertThat(envelope.type()).isEqualTo("ping");
    assertThat(envelope.deadline()).isEqualTo(NOW.toEpochMilli() + 10_000);
  }

  @Test
  void absentPayloadCreditAndActorAreLeftOutOfTheJson() {
    JsonNode json =
        WireJson.MAPPER.valueToTree(client.envelope("info", null, Duration.ofSeconds(1), null));

    assertThat(json.propertyNames()).containsExactlyInAnyOrder("v", "id", "type", "deadline");
  }

  @Test
  void aStreamEnvelopeCarriesPayloadAndCredit() {
    JsonNode payload = WireJson.MAPPER.readTree("{\"kind\":\"Pod\"}");

    JsonNode json =
        WireJson.MAPPER.valueToTree(
            client.envelope("resources.watch", payload, Duration.ofMinutes(5), 16));

    assertThat(json.get("credit").asInt()).isEqualTo(16);
    assertThat(json.get("payload").get("kind").asString()).isEqualTo("Pod");
  }

  @Test
  void everyEnvelopeGetsItsOwnId() {
    assertThat(client.envelope("ping", null, Duration.ofSeconds(1), null).id())
        .isNotEqualTo(client.envelope("ping", null, Duration.ofSeconds(1), null).id());
  }

  @Test
  void theDefaultIdsFitTheProtocolsIdRules() {
    assertThat(PlatformClient.newCommandId())
        .hasSizeLessThanOrEqualTo(128)
        .matches("[A-Za-z0-9._:-]+");
  }
}
