package io.clusteragent.helm.heal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class StuckReleaseTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void readsHelmListsEntryWithGosTimeText() {
    // verbatim from helm 4's list --pending -o json
    var entry =
        JSON.readTree(
            """
            {"name":"greet","namespace":"exp1","revision":"2",
             "updated":"2026-12-02 06:16:26.519989559 +0000 UTC",
             "status":"pending-upgrade","chart":"greeting-0.2.0","app_version":""}
            """);
    StuckRelease release = StuckRelease.fromListEntry(entry).orElseThrow();
    assertThat(release)
        .isEqualTo(
            new StuckRelease(
                "exp1",
                "greet",
                2,
                "pending-upgrade",
                Instant.parse("2026-12-02T06:16:26.519989559Z")));
    assertThat(release.releaseSecret(3)).isEqualTo("sh.helm.release.v1.greet.v3");
    assertThat(
            release.stuckLongerThan(Duration.ofMinutes(10), Instant.parse("2026-12-02T06:20:00Z")))
        .isFalse();
    assertThat(
            release.stuckLongerThan(Duration.ofMinutes(10), Instant.parse("2026-12-02T06:27:00Z")))
        .isTrue();
  }

  @Test
  void deployedOrUnreadableEntriesAreNotStuck() {
    assertThat(
            StuckRelease.fromListEntry(
                JSON.readTree(
                    "{\"name\":\"a\",\"namespace\":\"n\",\"revision\":\"1\",\"status\":\"deployed\","
                        + "\"updated\":\"2026-12-02 06:16:26 +0000 UTC\"}")))
        .isEmpty();
    assertThat(
            StuckRelease.fromListEntry(
                JSON.readTree(
                    "{\"name\":\"a\",\"namespace\":\"n\",\"revision\":\"1\","
                        + "\"status\":\"pending-install\",\"updated\":\"yesterday\"}")))
        .isEmpty();
  }

  @Test
  void timestampsInBothOfHelmsFormatsAndOtherOffsets() {
    assertThat(HelmTimestamps.parse("2026-12-02T06:16:26.26955168Z"))
        .contains(Instant.parse("2026-12-02T06:16:26.269551680Z"));
    assertThat(HelmTimestamps.parse("2026-12-02 06:16:26 +0000 UTC"))
        .contains(Instant.parse("2026-12-02T06:16:26Z"));
    assertThat(HelmTimestamps.parse("2026-12-02 08:16:26.5 +0200 CEST"))
        .contains(Instant.parse("2026-12-02T06:16:26.5Z"));
    assertThat(HelmTimestamps.parse("")).isEmpty();
    assertThat(HelmTimestamps.parse("not a time")).isEmpty();
  }
}
