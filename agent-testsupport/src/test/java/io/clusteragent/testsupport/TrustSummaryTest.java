package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trust line sums what tests recorded, in any number of tally files, and says what failed. */
class TrustSummaryTest {

  @TempDir Path builds;

  @Test
  void recordsOfSeveralJvmsAddUpToOneLine() throws Exception {
    Path build = builds.resolve("20261202-150000.000");
    TrustTally tally = TrustTally.in(build);
    tally.survived(tally.injected("nats cut"));
    tally.survived(tally.injected("api server restart"));
    tally.hostileInputs(1500, "hostile");
    tally.messagesLost(0, "watch");
    tally.secretsLeaked(0, "logs");
    tally.leaked(0, "subscriptions");
    // a second test JVM's file
    Files.writeString(
        build.resolve("other.tally"), "FAULT_INJECTED\t1\tsigterm\nFAULT_SURVIVED\t1\tsigterm\n");
    Files.writeString(
        build.resolve("other.tally"),
        "HOSTILE_INPUTS\t3019\tcorpus\n",
        java.nio.file.StandardOpenOption.APPEND);

    TrustSummary summary = TrustSummary.read(build);

    assertThat(summary.line())
        .isEqualTo(
            "trust: 3 faults injected, 3 survived; 4,519 hostile inputs; 0 messages lost;"
                + " 0 secrets leaked; 0 leaked threads/subscriptions");
    assertThat(summary.files()).isEqualTo(2);
    assertThat(summary.trustworthy()).isTrue();
    assertThat(summary.problems()).isEmpty();
  }

  @Test
  void aLossALeakAndAFaultNotSurvivedAreNamedAndFailTheMain() throws Exception {
    Path build = builds.resolve("now");
    TrustTally tally = TrustTally.in(build);
    tally.survived(tally.injected("nats restart"));
    tally.injected("helm upgrade across a nats restart");
    tally.messagesLost(2, "list stream across an api server restart");
    tally.leaked(1, "subscriptions after abandoned streams");

    TrustSummary summary = TrustSummary.read(build);

    assertThat(summary.trustworthy()).isFalse();
    assertThat(summary.line())
        .isEqualTo(
            "trust: 2 faults injected, 1 survived; 0 hostile inputs; 2 messages lost;"
                + " 0 secrets leaked; 1 leaked threads/subscriptions");
    assertThat(summary.problems())
        .containsExactly(
            "messages_lost 2: list stream across an api server restart",
            "leaked_resources 1: subscriptions after abandoned streams",
            "fault not survived: helm upgrade across a nats restart");
    assertThatThrownBy(() -> TrustSummary.main(new String[] {build.toString()}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("helm upgrade across a nats restart");
  }

  @Test
  void anEarlierBuildIsNeverCountedAndIsRemoved() throws Exception {
    Path earlier = builds.resolve("earlier");
    TrustTally.in(earlier).messagesLost(5, "an old failure");
    Path current = builds.resolve("current");
    TrustTally tally = TrustTally.in(current);
    tally.survived(tally.injected("nats restart"));

    TrustSummary.main(new String[] {current.toString()});

    assertThat(TrustSummary.read(current).total(TrustTally.Kind.MESSAGES_LOST)).isZero();
    assertThat(earlier).doesNotExist();
    assertThat(current).isDirectory();
  }

  @Test
  void withoutADirectoryNothingIsRecordedAndNothingIsCounted() {
    TrustSummary summary = TrustSummary.read(builds.resolve("missing"));
    assertThat(summary.files()).isZero();
    assertThat(summary.total(TrustTally.Kind.FAULT_INJECTED)).isZero();
    assertThatThrownBy(() -> TrustTally.in(builds).messagesLost(-1, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
