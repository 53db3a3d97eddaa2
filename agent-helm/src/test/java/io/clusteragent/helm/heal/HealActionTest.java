package io.clusteragent.helm.heal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class HealActionTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void aStuckUpgradeGoesBackToTheRevisionStillDeployed() {
    assertThat(
            HealAction.choose(
                stuck("pending-upgrade", 4),
                history("1:superseded", "2:superseded", "3:deployed", "4:pending-upgrade")))
        .isEqualTo(new HealAction.Rollback(3));
  }

  @Test
  void withoutADeployedRevisionTheNewestSupersededOneIsTheLastThatWasDeployed() {
    // a failed upgrade, then a rollback that got stuck: 2 failed, 1 superseded by it
    assertThat(
            HealAction.choose(
                stuck("pending-rollback", 3),
                history("1:superseded", "2:failed", "3:pending-rollback")))
        .isEqualTo(new HealAction.Rollback(1));
  }

  @Test
  void nothingEverDeployedMeansUninstall() {
    assertThat(
            HealAction.choose(
                stuck("pending-upgrade", 2), history("1:failed", "2:pending-upgrade")))
        .isEqualTo(new HealAction.Uninstall());
  }

  @Test
  void aStuckInstallIsUninstalledEvenAfterAnUninstallThatKeptHistory() {
    assertThat(HealAction.choose(stuck("pending-install", 1), history("1:pending-install")))
        .isEqualTo(new HealAction.Uninstall());
    assertThat(
            HealAction.choose(
                stuck("pending-install", 3),
                history("1:superseded", "2:uninstalled", "3:pending-install")))
        .isEqualTo(new HealAction.Uninstall());
  }

  @Test
  void tagsNameTheActionForTheCounter() {
    assertThat(new HealAction.Rollback(1).tag()).isEqualTo("rollback");
    assertThat(new HealAction.Uninstall().tag()).isEqualTo("uninstall");
  }

  private static StuckRelease stuck(String status, int revision) {
    return new StuckRelease("ns", "web", revision, status, Instant.EPOCH);
  }

  /** "revision:status" entries, oldest first, as helm history -o json prints them. */
  private static JsonNode history(String... entries) {
    var array = JSON.createArrayNode();
    for (String entry : entries) {
      String[] parts = entry.split(":");
      array.addObject().put("revision", Integer.parseInt(parts[0])).put("status", parts[1]);
    }
    return array;
  }
}
