package io.clusteragent.proxy.objects;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ObjectFilterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String SECRET =
      """
      {"kind":"Secret","metadata":{"name":"db","managedFields":[{"manager":"kubectl"}],
       "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"data\\":{\\"password\\":\\"aHVudGVyMg==\\"}}",
                      "team":"a"}},
       "data":{"password":"aHVudGVyMg==","user":"YWRtaW4="},"stringData":{"token":"t0k3n"},
       "type":"Opaque","immutable":false,"n":12345678901234567890.5}
      """;

  @Test
  void aSecretKeepsItsKeysButNotItsValues() {
    JsonNode out = filter(new ObjectFilter(true, true), SECRET, true);
    assertThat(out.path("data").propertyNames()).containsExactly("password", "user");
    assertThat(out.path("data").path("password").asString())
        .isEqualTo(ObjectFilter.digest("aHVudGVyMg=="))
        .startsWith("sha256:")
        .hasSize("sha256:".length() + 16);
    assertThat(out.path("stringData").path("token").asString())
        .isEqualTo(ObjectFilter.digest("t0k3n"));
    assertThat(out.path("metadata").path("annotations").path(ObjectFilter.LAST_APPLIED).asString())
        .startsWith("sha256:");
    assertThat(out.path("metadata").path("annotations").path("team").asString()).isEqualTo("a");
    assertThat(out.toString()).doesNotContain("aHVudGVyMg==").doesNotContain("t0k3n");
    assertThat(out.path("type").asString()).isEqualTo("Opaque");
  }

  @Test
  void aChangedValueShowsAsAChangedDigest() {
    assertThat(ObjectFilter.digest("a")).isNotEqualTo(ObjectFilter.digest("b"));
    assertThat(ObjectFilter.digest("a")).isEqualTo(ObjectFilter.digest("a"));
  }

  @Test
  void managedFieldsAreDroppedAndEverythingElseIsKeptExactly() {
    JsonNode out = filter(new ObjectFilter(true, true), SECRET, false);
    assertThat(out.path("metadata").has("managedFields")).isFalse();
    // not a Secret: values stay
    assertThat(out.path("data").path("password").asString()).isEqualTo("aHVudGVyMg==");
    // numbers are copied as written, not through a double
    assertThat(filteredText(new ObjectFilter(true, true), SECRET, false))
        .contains("\"n\":12345678901234567890.5");
    assertThat(out.path("immutable").asBoolean(true)).isFalse();
  }

  @Test
  void theNoneFilterCopiesTheObjectUnchanged() {
    assertThat(filter(ObjectFilter.NONE, SECRET, true)).isEqualTo(JSON.readTree(SECRET));
  }

  @Test
  void revealingSecretsKeepsStrippingManagedFields() {
    JsonNode out = filter(new ObjectFilter(true, true).revealingSecrets(), SECRET, true);
    assertThat(out.path("data").path("password").asString()).isEqualTo("aHVudGVyMg==");
    assertThat(out.path("metadata").has("managedFields")).isFalse();
  }

  @Test
  void oddShapesAreCopiedNotRefused() {
    assertThat(filter(new ObjectFilter(true, true), "{\"metadata\":null,\"data\":[1]}", true))
        .isEqualTo(JSON.readTree("{\"metadata\":null,\"data\":[1]}"));
    assertThat(filter(new ObjectFilter(true, true), "[1,2]", true))
        .isEqualTo(JSON.readTree("[1,2]"));
    assertThat(
            filter(new ObjectFilter(true, true), "{\"data\":{\"k\":null,\"n\":{\"x\":1}}}", true))
        .isEqualTo(JSON.readTree("{\"data\":{\"k\":null,\"n\":{\"x\":1}}}"));
  }

  private static JsonNode filter(ObjectFilter filter, String json, boolean secret) {
    return JSON.readTree(filteredText(filter, json, secret));
  }

  private static String filteredText(ObjectFilter filter, String json, boolean secret) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonParser in = JSON.createParser(json.getBytes(StandardCharsets.UTF_8));
        JsonGenerator out = JSON.createGenerator(bytes)) {
      in.nextToken();
      filter.copy(in, out, secret);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
