package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ReleasePayloadsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  private static ErrorCode codeOf(ThrowingCall call) {
    try {
      call.run();
      return null;
    } catch (CommandException e) {
      return e.code();
    }
  }

  interface ThrowingCall {
    void run() throws CommandException;
  }

  @Test
  void validRollbackIsRead() throws Exception {
    ReleasePayloads.Rollback r =
        ReleasePayloads.rollback(
            json("{\"namespace\":\"team-a\",\"release\":\"web.v2\",\"revision\":3,\"wait\":true}"));
    assertThat(r.ref()).isEqualTo(new ReleasePayloads.ReleaseRef("team-a", "web.v2"));
    assertThat(r.revision()).contains(3);
    assertThat(r.waitForReady()).isTrue();
  }

  @Test
  void listWithoutPayloadMeansAllNamespaces() throws Exception {
    assertThat(ReleasePayloads.listReleases(null))
        .isEqualTo(new ReleasePayloads.ListReleases(Optional.empty(), Optional.empty()));
    assertThat(
            ReleasePayloads.listReleases(json("{\"namespace\":\"x\",\"filter\":\"^web\"}"))
                .filter())
        .contains("^web");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Web", "web_1", "-rf", "web-", "../etc", "a b", "web;ls", "", "--all"})
  void badReleaseNamesAreBadRequests(String name) {
    assertThat(
            codeOf(() ->
                ReleasePayloads.releaseRef(
                    JSON.createObjectNode().put("namespace", "ns").put("release", name))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void overlongNamesAreBadRequests() {
    assertThat(codeOf(() -> ReleasePayloads.releaseRef(ref("ns", "a".repeat(54)))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(codeOf(() -> ReleasePayloads.releaseRef(ref("ns", "a".repeat(53))))).isNull();
    assertThat(codeOf(() -> ReleasePayloads.releaseRef(ref("a".repeat(64), "web"))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(codeOf(() -> ReleasePayloads.releaseRef(ref("a.b", "web"))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void messagesNameTheFieldAndTheRule() {
    assertThatThrownBy(() -> ReleasePayloads.releaseRef(ref("ns", "Web")))
        .isInstanceOf(CommandException.class)
        .hasMessageStartingWith("release 'Web' is not a valid release name")
        .hasMessageContaining("at most 53 characters");
    assertThatThrownBy(() ->
            ReleasePayloads.rollback(
                json("{\"namespace\":\"ns\",\"release\":\"web\",\"revison\":2}")))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("unknown payload field(s) [revison]");
  }

  private static JsonNode ref(String namespace, String release) {
    return JSON.createObjectNode().put("namespace", namespace).put("release", release);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[]",
        "{\"release\":\"web\"}",
        "{\"namespace\":\"ns\"}",
        "{\"namespace\":1,\"release\":\"web\"}",
        "{\"namespace\":\"ns\",\"release\":\"web\",\"revision\":0}",
        "{\"namespace\":\"ns\",\"release\":\"web\",\"revision\":\"1\"}",
        "{\"namespace\":\"ns\",\"release\":\"web\",\"revision\":1.5}",
        "{\"namespace\":\"ns\",\"release\":\"web\",\"wait\":\"yes\"}"
      })
  void malformedRollbackPayloadsAreBadRequests(String payload) {
    assertThat(codeOf(() -> ReleasePayloads.rollback(json(payload))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void filterWithControlCharactersIsABadRequest() {
    assertThat(
            codeOf(
                () -> ReleasePayloads.listReleases(JSON.createObjectNode().put("filter", "a\nb"))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void aChartChangeIsReadWithItsDefaults() throws Exception {
    ReleasePayloads.ChartChange change =
        ReleasePayloads.chartChange(
            json(
                "{\"namespace\":\"shop\",\"release\":\"web\",\"chart\":\"oci://r.example.com/c/web\","
                    + "\"version\":\"^1.2.0\",\"values\":\"a: 1\\n\",\"install\":true,"
                    + "\"timeoutSeconds\":90,\"historyMax\":10}"),
            true);
    assertThat(change.install()).isTrue();
    assertThat(change.version()).contains("^1.2.0");
    assertThat(change.timeout()).contains(java.time.Duration.ofSeconds(90));
    assertThat(change.historyMax()).hasValue(10);
    assertThat(change.createNamespace()).isFalse();
    assertThat(change.atomic()).isFalse();
  }

  @Test
  void upgradeOnlyFieldsAreRefusedOnInstall() {
    assertThatThrownBy(() ->
            ReleasePayloads.chartChange(
                json(
                    "{\"namespace\":\"shop\",\"release\":\"web\",\"chart\":\"oci://r.example.com/c/web\","
                        + "\"install\":true}"),
                false))
        .hasMessageContaining("upgrade only");
  }

  @Test
  void credentialsAreRefusedOverPlainHttpAndNeverEchoed() {
    String payload =
        "{\"namespace\":\"shop\",\"release\":\"web\",\"chart\":\"web\","
            + "\"repository\":\"http://charts.example.com\","
            + "\"auth\":{\"username\":\"u\",\"password\":\"hunter2-secret\"}}";
    assertThatThrownBy(() -> ReleasePayloads.chartChange(json(payload), true))
        .hasMessageContaining("in clear")
        .hasMessageNotContaining("hunter2-secret");
    String control =
        "{\"namespace\":\"shop\",\"release\":\"web\",\"chart\":\"oci://r.example.com/c/web\","
            + "\"auth\":{\"username\":\"u\",\"password\":\"bad\\u0000secret\"}}";
    assertThatThrownBy(() -> ReleasePayloads.chartChange(json(control), true))
        .hasMessageContaining("printable")
        .hasMessageNotContaining("secret\u0000");
    assertThat(new ReleasePayloads.Credentials("u", "hunter2-secret").toString())
        .doesNotContain("hunter2");
  }

  @Test
  void invalidValuesYamlNamesTheLine() {
    String payload =
        "{\"namespace\":\"shop\",\"release\":\"web\",\"chart\":\"oci://r.example.com/c/web\","
            + "\"values\":\"a: 1\\nb: [\\n\"}";
    assertThatThrownBy(() -> ReleasePayloads.chartChange(json(payload), true))
        .hasMessageContaining("values is not valid YAML at line");
    String list =
        "{\"namespace\":\"shop\",\"release\":\"web\",\"chart\":\"oci://r.example.com/c/web\","
            + "\"values\":\"- a\\n- b\\n\"}";
    assertThatThrownBy(() -> ReleasePayloads.chartChange(json(list), true))
        .hasMessageContaining("must be a YAML mapping");
  }

  @Test
  void aGetNamesAKnownPart() {
    assertThat(
            codeOf(() ->
                ReleasePayloads.content(
                    json("{\"namespace\":\"a\",\"release\":\"b\",\"part\":\"secrets\"}"))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(
            codeOf(() ->
                ReleasePayloads.content(
                    json(
                        "{\"namespace\":\"a\",\"release\":\"b\",\"part\":\"notes\",\"allValues\":true}"))))
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }
}
