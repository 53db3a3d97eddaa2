package io.clusteragent.proxy.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventBudgetTest {

  @Test
  void aSecondsWorthPassesThenTheRateHolds() {
    AtomicLong now = new AtomicLong();
    EventBudget budget = new EventBudget(5, now::get);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.take()).as("event %d of the burst", i).isTrue();
    }
    assertThat(budget.take()).isFalse();
    now.addAndGet(200_000_000); // a fifth of a second: one more event
    assertThat(budget.take()).isTrue();
    assertThat(budget.take()).isFalse();
    now.addAndGet(10_000_000_000L); // a long quiet spell refills one second's worth, no more
    int passed = 0;
    while (budget.take()) {
      passed++;
    }
    assertThat(passed).isEqualTo(5);
  }
}
