package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CreditAccountTest {

  @Test
  void spendingWithinTheGrantLeavesTheRemainderOutstanding() {
    CreditAccount account = new CreditAccount(3);

    assertThat(account.spend()).isTrue();
    assertThat(account.spend()).isTrue();

    assertThat(account.outstanding()).isEqualTo(1);
    assertThat(account.received()).isEqualTo(2);
  }

  @Test
  void spendingPastTheGrantIsReportedAndCounted() {
    CreditAccount account = new CreditAccount(1);
    account.spend();

    assertThat(account.spend()).isFalse();
    assertThat(account.outstanding()).isEqualTo(-1);
  }

  @Test
  void grantsAddUp() {
    CreditAccount account = new CreditAccount(0);
    account.grant(2);
    account.grant(5);

    assertThat(account.granted()).isEqualTo(7);
    assertThat(account.outstanding()).isEqualTo(7);
  }

  @Test
  void emptyGrantsAndNegativeStartsAreRefused() {
    assertThatThrownBy(() -> new CreditAccount(1).grant(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CreditAccount(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
