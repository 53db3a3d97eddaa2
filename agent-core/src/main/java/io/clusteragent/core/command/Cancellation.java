package io.clusteragent.core.command;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Cancels a running job: marks it, then interrupts its thread so blocking I/O on a virtual thread
 * returns. Handlers check {@link #isCancelled()} between units of work.
 */
public final class Cancellation {

  private final AtomicReference<String> reason = new AtomicReference<>();
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

  public void cancel(String why) {
    if (reason.compareAndSet(null, why)) {
      Thread t = worker;
      if (t != null) {
        t.interrupt();
      }
    }
  }

  public boolean isCancelled() {
    return reason.get() != null;
  }

  public String reason() {
    return reason.get();
  }
}
