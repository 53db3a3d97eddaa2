package io.clusteragent.helm.stacks;

import java.util.List;
import java.util.Objects;

/**
 * The add-on settings the agent acts on. Defaults are the documented ones (the platform's "Default"
 * profile): fully automated sync, prune and self-heal on, the namespace created and server-side
 * apply, ten revisions kept.
 *
 * @param revisionHistoryLimit revisions kept (helm's {@code --history-max}), 1 to 100
 */
public record AddonSettings(
    boolean automated,
    boolean selfHeal,
    boolean autoPrune,
    List<String> syncOptions,
    int revisionHistoryLimit) {

  public static final int REVISION_HISTORY_LIMIT_MAX = 100;

  public static final AddonSettings DEFAULTS =
      new AddonSettings(
          true, true, true, List.of("CreateNamespace=true", "ServerSideApply=true"), 10);

  public AddonSettings {
    syncOptions = List.copyOf(Objects.requireNonNull(syncOptions, "syncOptions"));
    if (revisionHistoryLimit < 1 || revisionHistoryLimit > REVISION_HISTORY_LIMIT_MAX) {
      throw new IllegalArgumentException(
          "revisionHistoryLimit must be 1 to " + REVISION_HISTORY_LIMIT_MAX);
    }
  }
}
