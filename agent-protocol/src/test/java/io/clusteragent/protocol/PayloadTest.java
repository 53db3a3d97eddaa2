package io.clusteragent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PayloadTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> FIELDS =
      Set.of("namespace", "name", "limit", "count", "follow", "selector");

  private static Payload read(String json) throws CommandException {
    return Payload.of(JSON.readTree(json), FIELDS);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertBadRequest(
      ThrowingCall call) {
    return assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
  }

  interface ThrowingCall {
    void run() throws CommandException;
  }

  @Test
  void anAbsentPayloadHasNoFields() throws CommandException {
    for (JsonNode absent : new JsonNode[] {null, JSON.nullNode(), JSON.missingNode()}) {
      Payload payload = Payload.of(absent, FIELDS);
      assertThat(payload.optionalString("namespace")).isEmpty();
      assertThat(payload.optionalLong("limit", 1)).isEmpty();
      assertThat(payload.optionalInt("count", 1)).isEmpty();
      assertThat(payload.optionalBoolean("follow")).isEmpty();
    }
  }

  @Test
  void onlyObjectsWithKnownFieldsAreRead() {
    assertBadRequest(() -> read("[]")).hasMessage("payload must be a JSON object");
    assertBadRequest(() -> read("\"x\"")).hasMessage("payload must be a JSON object");
    assertBadRequest(() -> read("{\"namespace\":\"a\",\"Name\":\"b\",\"zzz\":1}"))
        .hasMessage(
            "unknown payload field(s) [Name, zzz]; allowed: [count, follow, limit, name, namespace, selector]");
  }

  @Test
  void stringsAreTypedAndRequiredWhenAsked() throws CommandException {
    Payload payload = read("{\"namespace\":\"team-a\",\"selector\":\"a in (b, c)\",\"name\":null}");
    assertThat(payload.requiredString("namespace")).isEqualTo("team-a");
    assertThat(payload.optionalString("selector")).contains("a in (b, c)");
    assertThat(payload.optionalString("name")).as("null is absent").isEmpty();
    assertBadRequest(() -> payload.requiredString("name")).hasMessage("name is required");
    assertBadRequest(() -> read("{\"name\":1}").optionalString("name"))
        .hasMessage("name must be a string");
  }

  @Test
  void namesAreCheckedByTheirRule() throws CommandException {
    Payload payload = read("{\"namespace\":\"team-a\",\"name\":\"../etc\"}");
    assertThat(payload.requiredString("namespace", Names.DNS_LABEL, "namespace"))
        .isEqualTo("team-a");
    assertThat(payload.optionalString("selector", Names.DNS_LABEL, "selector")).isEmpty();
    assertBadRequest(() -> payload.requiredString("name", Names.OBJECT_NAME, "object name"))
        .hasMessageStartingWith(
            "name '../etc' is not a valid object name: expected an object name");
    assertBadRequest(() -> payload.optionalString("name", Names.OBJECT_NAME, "object name"))
        .hasMessageStartingWith("name '../etc' is not a valid object name");
    assertBadRequest(() -> read("{}").requiredString("namespace", Names.DNS_LABEL, "namespace"))
        .hasMessage("namespace is required");
  }

  @Test
  void numbersAreIntegersWithALowerBound() throws CommandException {
    assertThat(read("{\"limit\":5}").optionalLong("limit", 1)).hasValue(5);
    assertThat(read("{\"count\":1}").optionalInt("count", 1)).hasValue(1);
    assertBadRequest(() -> read("{\"limit\":0}").optionalLong("limit", 1))
        .hasMessage("limit must be an integer >= 1");
    assertBadRequest(() -> read("{\"limit\":\"5\"}").optionalLong("limit", 1))
        .hasMessage("limit must be an integer >= 1");
    assertBadRequest(() -> read("{\"limit\":1.5}").optionalLong("limit", 1))
        .hasMessage("limit must be an integer >= 1");
    assertBadRequest(() -> read("{\"count\":0}").optionalInt("count", 1))
        .hasMessage("count must be an integer from 1 to 2147483647");
    assertBadRequest(() -> read("{\"count\":4294967296}").optionalInt("count", 1))
        .hasMessage("count must be an integer from 1 to 2147483647");
  }

  @Test
  void booleansAreJsonBooleans() throws CommandException {
    assertThat(read("{\"follow\":false}").optionalBoolean("follow")).contains(false);
    assertBadRequest(() -> read("{\"follow\":\"yes\"}").optionalBoolean("follow"))
        .hasMessage("follow must be true or false");
  }
}
