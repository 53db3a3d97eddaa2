package io.clusteragent.helm.heal;

import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * What the sweep does to a stuck release: a closed set, each with the tag its counter carries.
 *
 * <p>The documented platform loop first tries {@code helm upgrade --install --atomic} with the last
 * values and only then rolls back. That upgrade needs the chart the stuck operation was applying,
 * which helm does not keep for a pending release (its Secret holds the rendered release, not where
 * the chart came from). Rolling back to the last deployed revision restores that revision's chart
 * and values, which is what the atomic upgrade falls back to when it fails, so the end state is the
 * one the platform's second step reaches.
 */
sealed interface HealAction {

  /** The {@code action} tag of {@code agent.releases.healed}. */
  String tag();

  /** {@code helm rollback} to the newest revision that was deployed. */
  record Rollback(int toRevision) implements HealAction {
    public String tag() {
      return "rollback";
    }
  }

  /** {@code helm uninstall}: a first install that never completed has nothing to go back to. */
  record Uninstall() implements HealAction {
    public String tag() {
      return "uninstall";
    }
  }

  /**
   * Decides from {@code helm history -o json}, oldest first. A pending install is always undone:
   * even with older revisions (a reinstall after {@code uninstall --keep-history}) the release was
   * not in the cluster before it, so going back to one of them would revive what the user removed.
   * Otherwise the newest revision before the stuck one that is {@code deployed}, else the newest
   * {@code superseded} one (deployed once, then replaced); none means nothing ever deployed.
   */
  static HealAction choose(StuckRelease stuck, JsonNode history) {
    if (stuck.status().equals("pending-install")) {
      return new Uninstall();
    }
    Optional<Integer> deployed = newest(history, stuck.revision(), "deployed");
    Optional<Integer> target =
        deployed.isPresent() ? deployed : newest(history, stuck.revision(), "superseded");
    return target.<HealAction>map(Rollback::new).orElseGet(Uninstall::new);
  }

  private static Optional<Integer> newest(JsonNode history, int below, String status) {
    Optional<Integer> found = Optional.empty();
    for (JsonNode entry : history) {
      int revision = entry.path("revision").asInt(0);
      if (revision > 0
          && revision < below
          && entry.path("status").asString("").equals(status)
          && (found.isEmpty() || revision > found.get())) {
        found = Optional.of(revision);
      }
    }
    return found;
  }
}
