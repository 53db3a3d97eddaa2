package io.clusteragent.core.command;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one record of whether a running command was stopped, and why. The first reason wins; it
 * interrupts the worker thread so blocking I/O on a virtual thread returns. Handlers check {@link
 * #isCancelled()} between units of work. A stream shares its command's cancellation, so a cancel, a
 * stall, a deadline or a lost connection is recorded once, here.
 */
public final class Cancellation {

  private final AtomicReference<CloseReason> reason = new AtomicReference<>();
  private volatile Thread worker;

  void bind(Thread thread) {
    this.worker = thread;
    if (isCancelled()) {
      thread.interrupt();
    }
  }

  void unbind() {
    this.worker = null;
  }

  /** Returns true when this call stopped the command, false when it had been stopped already. */
  public boolean cancel(CloseReason why) {
    if (reason.compareAndSet(null, why)) {
      Thread t = worker;
      if (t != null) {
        t.interrupt();
      }
      return true;
    }
    return false;
  }

  public boolean isCancelled() {
    return reason.get() != null;
  }

  /** Why the command was stopped, or null while it runs. */
  public CloseReason reason() {
    return reason.get();
  }
}
