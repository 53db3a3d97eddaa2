package io.clusteragent.helm.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class DriftPayloadsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void ignoreRulesAreRead() throws Exception {
    DriftPayloads.Drift drift =
        DriftPayloads.drift(
            JSON.readTree(
                """
                {"namespace": "shop", "release": "site",
                 "ignore": [{"kind": "Deployment", "jsonPointers": ["/spec/replicas"]},
                            {"name": "site-greeting", "jsonPointers": ["/data/a~1b"]}]}
                """));
    assertThat(drift.ignore())
        .containsExactly(
            new IgnoreRule(Optional.of("Deployment"), Optional.empty(), List.of("/spec/replicas")),
            new IgnoreRule(Optional.empty(), Optional.of("site-greeting"), List.of("/data/a~1b")));
  }

  @Test
  void badPayloadsAreRefused() {
    for (String payload :
        List.of(
            "{\"namespace\": \"shop\"}",
            "{\"namespace\": \"Shop\", \"release\": \"site\"}",
            "{\"namespace\": \"shop\", \"release\": \"site\", \"ignroe\": []}",
            "{\"namespace\": \"shop\", \"release\": \"site\", \"ignore\": {}}",
            "{\"namespace\": \"shop\", \"release\": \"site\", \"ignore\": [{\"kind\": \"D\"}]}",
            "{\"namespace\": \"shop\", \"release\": \"site\", \"ignore\": [{\"jsonPointers\": [\"spec\"]}]}",
            "{\"namespace\": \"shop\", \"release\": \"site\", \"ignore\": [{\"jsonPointers\": [\"/a~2\"]}]}",
            "{\"namespace\": \"shop\", \"release\": \"site\", \"ignore\": [{\"kind\": \"a/b\", \"jsonPointers\": [\"/a\"]}]}")) {
      assertThatThrownBy(() -> DriftPayloads.drift(JSON.readTree(payload)))
          .as(payload)
          .isInstanceOfSatisfying(
              CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }
    assertThatThrownBy(() ->
            DriftPayloads.prune(
                JSON.readTree("{\"namespace\": \"shop\", \"release\": \"site\", \"dryRun\": 1}")))
        .isInstanceOf(CommandException.class);
  }
}
