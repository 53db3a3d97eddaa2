package io.clusteragent.helm.stacks;

import io.clusteragent.protocol.ErrorCode;
import java.util.Objects;

/** What one step did to its node. */
public sealed interface StepOutcome {

  /**
   * The node was changed: installed, upgraded, applied or (for a delete) removed.
   *
   * @param detail for the progress report ({@code "revision 3"}), empty for none
   */
  record Applied(String detail) implements StepOutcome {
    public Applied {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** The node was already as asked: nothing was changed. */
  record Unchanged(String detail) implements StepOutcome {
    public Unchanged {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** The step did not succeed; the run schedules nothing more. */
  record Failed(ErrorCode code, String message) implements StepOutcome {
    public Failed {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }

  static StepOutcome applied() {
    return new Applied("");
  }

  static StepOutcome unchanged() {
    return new Unchanged("");
  }

  static StepOutcome failed(ErrorCode code, String message) {
    return new Failed(code, message);
  }
}
