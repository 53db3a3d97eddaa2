package io.clusteragent.cli;

/**
 * The platform's view of a stream's credit: frames granted (initial plus grants) against data
 * frames received. Grants are recorded before they are published, so this view never lags the
 * agent's and a data frame beyond it is a real overrun. Thread-safe: grants may come from any
 * thread.
 */
final class CreditAccount {

  private long granted;
  private long received;

  CreditAccount(int initial) {
    if (initial < 0) {
      throw new IllegalArgumentException("initial credit must not be negative, got " + initial);
    }
    this.granted = initial;
  }

  synchronized void grant(int frames) {
    if (frames < 1) {
      throw new IllegalArgumentException("a grant must be at least 1 frame, got " + frames);
    }
    granted += frames;
  }

  /** Counts a data frame; false when the producer had no credit left for it. */
  synchronized boolean spend() {
    received++;
    return received <= granted;
  }

  /** Frames the producer may still send; negative after an overrun. */
  synchronized long outstanding() {
    return granted - received;
  }

  synchronized long granted() {
    return granted;
  }

  synchronized long received() {
    return received;
  }
}
