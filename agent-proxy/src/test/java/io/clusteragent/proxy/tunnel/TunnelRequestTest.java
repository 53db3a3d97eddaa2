package io.clusteragent.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TunnelRequestTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static TunnelRequest parse(String json) throws CommandException {
    return TunnelRequest.from(JSON.readTree(json));
  }

  private static void refused(String json, String message) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
        .hasMessageContaining(message);
  }

  @Test
  void onlyApiServerPathsAreAccepted() throws Exception {
    assertThat(parse("{\"method\":\"get\",\"path\":\"/api/v1/namespaces\"}").method())
        .isEqualTo("GET");
    assertThat(
            parse(
                    "{\"method\":\"GET\",\"path\":\"/apis/apps/v1/deployments\",\"query\":\"limit=500\"}")
                .query())
        .isEqualTo("limit=500");
    for (String path :
        new String[] {
          "/api/../../etc/passwd",
          "/api/v1/..",
          "//evil.example/api",
          "http://evil.example/api",
          "/metrics",
          "/api/%2e%2e/x",
          "/api/v1%2fsecrets",
          "api/v1",
          "/apiX"
        }) {
      refused("{\"method\":\"GET\",\"path\":\"" + path + "\"}", "API server path");
    }
    refused("{\"method\":\"CONNECT\",\"path\":\"/api\"}", "method");
    refused("{\"method\":\"GET\",\"path\":\"/api\",\"query\":\"a=b#frag\"}", "query");
    refused("{\"method\":\"GET\",\"path\":\"/api\",\"extra\":1}", "unknown payload field");
  }

  @Test
  void credentialsImpersonationAndHopByHopHeadersNeverPass() throws Exception {
    TunnelRequest request =
        parse(
            "{\"method\":\"GET\",\"path\":\"/api/v1/pods\",\"headers\":{"
                + "\"Authorization\":[\"Bearer stolen\"],\"Impersonate-User\":[\"admin\"],\"impersonate-group\":[\"system:masters\"],"
                + "\"Connection\":[\"keep-alive\"],\"Transfer-Encoding\":[\"chunked\"],\"Host\":[\"evil\"],\"Accept\":[\"application/json\"]}}");
    assertThat(request.forwardedHeaders()).containsOnlyKeys("Accept");
    assertThat(request.longLived()).isFalse();
  }

  @Test
  void anUpgradeKeepsWhatTheSwitchNeedsAndCountsAsLongLived() throws Exception {
    TunnelRequest exec =
        parse(
            "{\"method\":\"GET\",\"path\":\"/api/v1/namespaces/n/pods/p/exec\",\"query\":\"command=sh&stdin=true\",\"headers\":{"
                + "\"Connection\":[\"Upgrade\"],\"Upgrade\":[\"websocket\"],\"Sec-WebSocket-Protocol\":[\"v5.channel.k8s.io\"],\"Authorization\":[\"Bearer x\"]}}");
    assertThat(exec.upgrade()).isTrue();
    assertThat(exec.longLived()).isTrue();
    assertThat(exec.forwardedHeaders())
        .containsOnlyKeys("Connection", "Upgrade", "Sec-WebSocket-Protocol");
    assertThat(
            parse(
                    "{\"method\":\"GET\",\"path\":\"/api/v1/pods\",\"query\":\"watch=true&resourceVersion=1\"}")
                .longLived())
        .isTrue();
    assertThat(
            parse(
                    "{\"method\":\"GET\",\"path\":\"/api/v1/namespaces/n/pods/p/log\",\"query\":\"follow=true\"}")
                .longLived())
        .isTrue();
  }

  @Test
  void headerValuesCannotSplitTheRequest() {
    refused(
        "{\"method\":\"GET\",\"path\":\"/api\",\"headers\":{\"Accept\":[\"a\\r\\nX-Evil: 1\"]}}",
        "without line breaks");
    refused(
        "{\"method\":\"GET\",\"path\":\"/api\",\"headers\":{\"Bad Name\":[\"a\"]}}",
        "not a valid HTTP header name");
    refused(
        "{\"method\":\"GET\",\"path\":\"/api\",\"headers\":{\"Accept\":\"a\"}}", "list of strings");
  }

  @Test
  void theResponseHeadDropsFramingButKeepsTheSwitch() {
    ResponseHead ok =
        ResponseHead.of(
            200,
            java.util.Map.of(
                "Content-Length",
                List.of("5"),
                "Connection",
                List.of("close"),
                "Content-Type",
                List.of("application/json")));
    assertThat(ok.headers()).containsOnlyKeys("Content-Type");
    ResponseHead upgraded =
        ResponseHead.of(
            101,
            java.util.Map.of("Connection", List.of("Upgrade"), "Upgrade", List.of("websocket")));
    assertThat(upgraded.headers()).containsOnlyKeys("Connection", "Upgrade");
  }
}
