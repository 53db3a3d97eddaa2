package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of one cluster share the command queue group; one dies at once (its NATS connection
 * gone without a goodbye, as when its process is killed) between commands: the other serves every
 * command from then on, none is run twice, and none goes unanswered.
 */
@WithTestEnvironment
class ReplicaLossTest {

  private static final int COMMANDS = 120;

  @Test
  void whenOneReplicaDiesTheOtherServesEveryCommandOnce(TestEnvironment env) throws Exception {
    RunningAgent doomed = RunningAgent.start(env.natsUrl(), "replicas", Map.of());
    try (RunningAgent survivor = RunningAgent.start(env.natsUrl(), "replicas", Map.of());
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(nats, "agent", "replicas", env.platformSigner())) {
      var first = doomed.bean(RunningAgent.LiveCommands.class).executions;
      var second = survivor.bean(RunningAgent.LiveCommands.class).executions;
      TrustTally tally = TrustTally.ofThisBuild();
      String fault = null;
      List<String> ids = new ArrayList<>();
      int unanswered = 0;
      for (int i = 0; i < COMMANDS; i++) {
        if (i == COMMANDS / 3) {
          fault = tally.injected("one of two replicas killed");
          // the server drops a dead process's subscriptions with its socket; then the rest goes
          doomed.bean(NatsSession.class).connection().close();
          doomed.close();
        }
        var envelope = platform.envelope("test.once", null, Duration.ofSeconds(10), null);
        ids.add(envelope.id());
        try {
          Reply reply = platform.request(envelope, Duration.ofSeconds(10));
          assertThat(reply.ok()).as("command %d: %s", i, reply.text()).isTrue();
        } catch (NoReplyException e) {
          unanswered++;
        }
      }
      long twice = 0;
      long servedBySurvivorAfterKill = 0;
      for (int i = 0; i < ids.size(); i++) {
        long runs =
            first.getOrDefault(ids.get(i), new AtomicLong()).get()
                + second.getOrDefault(ids.get(i), new AtomicLong()).get();
        twice += runs > 1 ? 1 : 0;
        if (i >= COMMANDS / 3 && second.containsKey(ids.get(i))) {
          servedBySurvivorAfterKill++;
        }
      }
      tally.messagesLost(unanswered, "commands unanswered after a replica was killed");
      assertThat(unanswered).as("commands without an answer").isZero();
      assertThat(twice).as("commands run twice").isZero();
      assertThat(first).as("both replicas served before the kill").isNotEmpty();
      assertThat(servedBySurvivorAfterKill)
          .as("the survivor ran every command after the kill")
          .isEqualTo(COMMANDS - COMMANDS / 3);
      tally.survived(fault);
    } finally {
      doomed.close();
    }
  }
}
