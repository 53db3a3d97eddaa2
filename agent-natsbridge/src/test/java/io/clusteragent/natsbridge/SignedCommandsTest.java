package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.cli.Reply;
import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.MessageSigner;
import io.clusteragent.protocol.PlatformKeys;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Only the platform is obeyed: through the real nats-server, commands with a missing, wrong,
 * replayed or expired signature are refused and never reach a handler; forged control messages
 * cannot cancel or feed a stream; a key rotation needs no restart.
 */
@WithTestEnvironment
class SignedCommandsTest {

  private static RunningAgent agent;
  private static Connection nats;
  private static PlatformClient platform;

  @BeforeAll
  static void start(TestEnvironment env) throws Exception {
    agent = RunningAgent.start(env.natsUrl(), "signed", Map.of());
    nats = Nats.connect(env.natsUrl());
    platform = new PlatformClient(nats, "agent", "signed", env.platformSigner());
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      // the unsigned, forged, tampered, replayed and stale messages, as the agent counted them
      double refused =
          agent.meters().find("agent.messages.refused").counters().stream()
              .mapToDouble(io.micrometer.core.instrument.Counter::count)
              .sum();
      TrustTally.ofThisBuild()
          .hostileInputs((long) refused, "unsigned, forged and replayed messages");
    }
    if (nats != null) {
      nats.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private static Envelope once(String id) {
    return new Envelope(
        Envelope.VERSION, id, "test.once", System.currentTimeMillis() + 30_000, null, null, null);
  }

  private static long executions(String id) {
    var count = agent.bean(RunningAgent.LiveCommands.class).executions.get(id);
    return count == null ? 0 : count.get();
  }

  @Test
  void unsignedAndWronglySignedCommandsAreRefusedAndNeverRun() throws Exception {
    PlatformClient unsigned = new PlatformClient(nats, "agent", "signed", null);
    Reply refused = unsigned.request(once("unsigned-1"), Duration.ofSeconds(10));
    assertThat(refused.ok()).isFalse();
    assertThat(refused.error().code()).isEqualTo("UNAUTHENTICATED");
    assertThat(refused.error().message()).contains("not signed");
    assertThat(refused.error().id()).isEqualTo("unsigned-1");

    KeyPair stranger = PlatformKeys.generate();
    PlatformClient forger =
        new PlatformClient(nats, "agent", "signed", new MessageSigner(stranger.getPrivate()));
    Reply forged = forger.request(once("forged-1"), Duration.ofSeconds(10));
    assertThat(forged.error().code()).isEqualTo("UNAUTHENTICATED");
    assertThat(forged.error().message()).contains("matches no trusted platform key");

    assertThat(executions("unsigned-1")).isZero();
    assertThat(executions("forged-1")).isZero();
    assertThat(agent.counter("agent.messages.refused", "channel", "command", "reason", "unsigned"))
        .isGreaterThanOrEqualTo(1);
    assertThat(agent.counter("agent.messages.refused", "channel", "command", "reason", "mismatch"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aTamperedCommandIsRefused() throws Exception {
    // Signed for one body, sent with another: as if someone changed the actor on the way.
    byte[] signedBody = "{\"v\":1,\"id\":\"tamper-1\",\"type\":\"test.once\"}".getBytes();
    byte[] sentBody =
        "{\"v\":1,\"id\":\"tamper-1\",\"type\":\"test.once\",\"actor\":{\"user\":\"admin\"}}"
            .getBytes();
    String inbox = nats.createInbox();
    var sub = nats.subscribe(inbox);
    var signature =
        TestEnvironment.get()
            .platformSigner()
            .sign(
                io.clusteragent.protocol.SignedContent.command(
                    platform.subjects().commands(), inbox, signedBody));
    nats.publish(
        platform.subjects().commands(),
        inbox,
        new io.nats.client.impl.Headers().put("Agent-Signature", signature),
        sentBody);
    Reply reply = Reply.from(sub.nextMessage(Duration.ofSeconds(10)));
    assertThat(reply.error().code()).isEqualTo("UNAUTHENTICATED");
    assertThat(executions("tamper-1")).isZero();
  }

  @Test
  void aReplayedCommandRunsOnceAndAnExpiredOneNever() throws Exception {
    Envelope envelope = once("replay-1");
    assertThat(platform.request(envelope, Duration.ofSeconds(10)).ok()).isTrue();
    Reply replay = platform.request(envelope, Duration.ofSeconds(10));
    assertThat(replay.error().code()).isEqualTo("UNAUTHENTICATED");
    assertThat(replay.error().message()).contains("replay");
    assertThat(executions("replay-1")).isEqualTo(1);

    Envelope expired =
        new Envelope(
            Envelope.VERSION,
            "expired-1",
            "test.once",
            System.currentTimeMillis() - 1_000,
            null,
            null,
            null);
    Reply late = platform.request(expired, Duration.ofSeconds(10));
    assertThat(late.error().code()).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(executions("expired-1")).isZero();
  }

  @Test
  void forgedOrStaleControlCannotCancelOrFeedAStream() throws Exception {
    PlatformStream echo = platform.openStream("test.echo", null, 8, Duration.ofMinutes(2));
    Frame credit;
    do {
      credit = echo.next(Duration.ofSeconds(10));
      assertThat(credit).isNotNull();
    } while (credit.kind() != FrameKind.CREDIT);

    PlatformClient forger =
        new PlatformClient(
            nats, "agent", "signed", new MessageSigner(PlatformKeys.generate().getPrivate()));
    forger.publishControl(Control.cancel(echo.id(), "forged", System.currentTimeMillis()));
    forger.publishInput(credit.instance(), echo.id(), FrameKind.DATA, 1, "rm -rf /\n".getBytes());
    platform.publishControl(
        Control.cancel(
            echo.id(), "stale", System.currentTimeMillis() - Duration.ofMinutes(10).toMillis()));
    nats.flush(Duration.ofSeconds(5));
    RunningAgent.sleep(500);
    assertThat(agent.bean(io.clusteragent.natsbridge.stream.LiveStreams.class).ids())
        .as("neither cancelled")
        .contains(echo.id());

    assertThat(echo.write("hello\n".getBytes(), 1024, Duration.ofSeconds(5))).isTrue();
    Frame data;
    do {
      data = echo.next(Duration.ofSeconds(10));
      assertThat(data).isNotNull();
    } while (data.kind() != FrameKind.DATA);
    assertThat(data.text()).as("the forged input never reached the command").isEqualTo("hello\n");

    assertThat(agent.counter("agent.messages.refused", "channel", "control", "reason", "mismatch"))
        .isGreaterThanOrEqualTo(1);
    assertThat(agent.counter("agent.messages.refused", "channel", "control", "reason", "stale"))
        .isGreaterThanOrEqualTo(1);
    assertThat(agent.counter("agent.messages.refused", "channel", "input", "reason", "mismatch"))
        .isGreaterThanOrEqualTo(1);
    echo.cancel("done");
    Frame end;
    do {
      end = echo.next(Duration.ofSeconds(10));
      assertThat(end).isNotNull();
    } while (!end.terminal());
    assertThat(end.error().code()).isEqualTo("CANCELLED");
  }

  @Test
  void aRotatedKeyFileIsPickedUpWithoutARestart(TestEnvironment env, @TempDir Path dir)
      throws Exception {
    KeyPair next = PlatformKeys.generate();
    Path keys = dir.resolve("platform-signing.pub");
    Files.writeString(keys, env.platformPublicKeys());
    try (RunningAgent rotating =
        RunningAgent.start(
            env.natsUrl(),
            "rotating",
            Map.of(
                "agent.platform-signing-keys",
                "",
                "agent.platform-signing-keys-file",
                keys.toString()))) {
      PlatformClient oldKey = new PlatformClient(nats, "agent", "rotating", env.platformSigner());
      PlatformClient newKey =
          new PlatformClient(nats, "agent", "rotating", new MessageSigner(next.getPrivate()));
      assertThat(oldKey.request("ping", null, Duration.ofSeconds(10)).ok()).isTrue();
      assertThat(newKey.request("ping", null, Duration.ofSeconds(10)).error().code())
          .isEqualTo("UNAUTHENTICATED");

      Files.writeString(
          keys,
          env.platformPublicKeys() + PlatformKeys.pem(next.getPublic())); // overlap: both keys
      awaitPing(newKey, true);
      assertThat(oldKey.request("ping", null, Duration.ofSeconds(10)).ok()).isTrue();

      Files.writeString(keys, PlatformKeys.pem(next.getPublic())); // the old key is retired
      awaitPing(oldKey, false);
      assertThat(newKey.request("ping", null, Duration.ofSeconds(10)).ok()).isTrue();
    }
  }

  private static void awaitPing(PlatformClient client, boolean accepted)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    boolean ok;
    do {
      RunningAgent.sleep(200);
      ok =
          client
              .request("ping", JsonNodeFactory.instance.objectNode(), Duration.ofSeconds(10))
              .ok();
    } while (ok != accepted && System.nanoTime() < until);
    assertThat(ok).isEqualTo(accepted);
  }
}
