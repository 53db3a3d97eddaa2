package io.clusteragent.helm.drift;

import io.clusteragent.protocol.CommandException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deletes a release's leftovers ({@link ReleaseInspection#pruneCandidates}) by UID, behind an
 * anti-mass-deletion guard: when the candidates are many compared with what the release renders,
 * nothing is deleted and the refusal says why. A sudden crowd of "leftovers" is far more often a
 * broken or truncated manifest, a release read from the wrong namespace, or a chart that renders
 * nothing after a values mistake than real garbage, and a wrong prune deletes workloads and data.
 */
public final class ReleasePrune {

  /** Up to this many candidates are always deleted: a chart dropping a few objects is normal. */
  static final int ALWAYS_ALLOWED = 5;

  /**
   * Beyond {@link #ALWAYS_ALLOWED}, at most this share of the number of objects the manifest
   * renders. Half: a release whose leftovers outnumber half of what it renders has lost more than
   * an upgrade normally drops, and a person should look before anything is deleted.
   */
  static final double MAX_SHARE_OF_RENDERED = 0.5;

  /** What a prune did. {@code refusal} set means nothing was deleted. */
  public record Result(
      List<PruneCandidate> pruned, List<Skipped> skipped, Optional<String> refusal) {}

  /** A candidate that was not deleted, and why. */
  public record Skipped(PruneCandidate candidate, String reason) {}

  private ReleasePrune() {}

  /** Why the guard refuses {@code candidates} leftovers of a release rendering {@code rendered}. */
  static Optional<String> refusal(int candidates, int rendered) {
    if (candidates <= ALWAYS_ALLOWED || candidates <= MAX_SHARE_OF_RENDERED * rendered) {
      return Optional.empty();
    }
    return Optional.of(
        "refusing to prune "
            + candidates
            + " objects: more than "
            + ALWAYS_ALLOWED
            + " and more than half of the "
            + rendered
            + " objects the release's manifest renders (the anti-mass-deletion guard); check the"
            + " release's manifest, then delete them by hand if they are really leftovers");
  }

  /** A prune that deleted nothing, and why. */
  static Result refused(String reason) {
    return new Result(List.of(), List.of(), Optional.of(reason));
  }

  /** Deletes the inspection's candidates, or with {@code dryRun} only reports them. */
  public static Result run(ReleaseInspection inspection, boolean dryRun) throws CommandException {
    List<PruneCandidate> candidates = inspection.pruneCandidates();
    Optional<String> refused = refusal(candidates.size(), inspection.checked());
    if (refused.isPresent()) {
      return refused(refused.get());
    }
    if (dryRun) {
      return new Result(candidates, List.of(), Optional.empty());
    }
    List<PruneCandidate> pruned = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    for (PruneCandidate candidate : candidates) {
      switch (inspection.delete(candidate)) {
        case DELETED -> pruned.add(candidate);
        case GONE -> skipped.add(new Skipped(candidate, "already deleted"));
        case REPLACED ->
            skipped.add(
                new Skipped(candidate, "recreated since it was found (another UID): left alone"));
      }
    }
    return new Result(pruned, skipped, Optional.empty());
  }
}
