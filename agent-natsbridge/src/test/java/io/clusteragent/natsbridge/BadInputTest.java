package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every kind of bad command gets a structured error and a metric; the agent keeps serving. */
@WithTestEnvironment
class BadInputTest {

  private static RunningAgent agent;
  private static Connection nats;
  private static PlatformClient platform;

  @BeforeAll
  static void start(TestEnvironment env) throws Exception {
    agent = RunningAgent.start(env.natsUrl(), "bad", Map.of("agent.nats.max-command-size", "64KB"));
    nats = Nats.connect(env.natsUrl());
    platform = new PlatformClient(nats, "agent", "bad", TestEnvironment.get().platformSigner());
  }

  @AfterAll
  static void stop() throws Exception {
    agent.close();
    nats.close();
  }

  @Test
  void eachCaseOfTheCorpusGetsItsErrorCode() throws Exception {
    long future = Instant.now().plusSeconds(60).toEpochMilli();
    Map<String, String> corpus = new LinkedHashMap<>();
    corpus.put("", "BAD_REQUEST");
    corpus.put("not json at all", "BAD_REQUEST");
    corpus.put("{", "BAD_REQUEST");
    corpus.put("[1,2,3]", "BAD_REQUEST");
    corpus.put("null", "BAD_REQUEST");
    corpus.put("{}", "BAD_REQUEST");
    corpus.put("{\"v\":\"one\",\"id\":\"a\",\"type\":\"ping\"}", "BAD_REQUEST");
    corpus.put("{\"v\":2,\"id\":\"a\",\"type\":\"ping\"}", "UNSUPPORTED_VERSION");
    corpus.put("{\"v\":1,\"type\":\"ping\"}", "BAD_REQUEST");
    corpus.put("{\"v\":1,\"id\":\"has spaces and /\",\"type\":\"ping\"}", "BAD_REQUEST");
    corpus.put("{\"v\":1,\"id\":\"a\"}", "BAD_REQUEST");
    corpus.put("{\"v\":1,\"id\":\"a\",\"type\":\"no.such.command\"}", "UNKNOWN_TYPE");
    corpus.put("{\"v\":1,\"id\":\"a\",\"type\":\"DROP TABLE\"}", "UNKNOWN_TYPE");
    corpus.put("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"deadline\":1000}", "DEADLINE_EXCEEDED");
    corpus.put(
        "{\"v\":1,\"id\":\"a\",\"type\":\"test.counter\",\"credit\":0,\"deadline\":" + future + "}",
        "BAD_REQUEST");
    corpus.put("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"surprise\":true}", "BAD_REQUEST");
    corpus.put("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"actor\":\"root\"}", "BAD_REQUEST");
    corpus.put("[".repeat(5000) + "]".repeat(5000), "BAD_REQUEST");
    corpus.put(
        "{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"payload\":\"" + "x".repeat(70_000) + "\"}",
        "PAYLOAD_TOO_LARGE");
    TrustTally tally = TrustTally.ofThisBuild();
    for (Map.Entry<String, String> bad : corpus.entrySet()) {
      tally.hostileInputs(1, "bad command corpus");
      Reply reply =
          platform.requestRaw(
              bad.getKey().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
      String shown =
          bad.getKey().length() > 80 ? bad.getKey().substring(0, 80) + "..." : bad.getKey();
      assertThat(reply.ok()).as(shown).isFalse();
      assertThat(reply.error().code()).as(shown).isEqualTo(bad.getValue());
      assertThat(reply.error().message()).as(shown).isNotBlank();
      assertThat(reply.header("Agent-Error-Code")).isEqualTo(bad.getValue());
    }
    assertThat(agent.counter("agent.commands.errors", "code", "bad_request"))
        .isGreaterThanOrEqualTo(10);
    assertThat(agent.counter("agent.commands.errors", "code", "unknown_type"))
        .isGreaterThanOrEqualTo(2);
    assertThat(platform.request("ping", null, Duration.ofSeconds(5)).ok()).isTrue();
  }

  @Test
  void aReplySubjectOutsideTheAllowedSpaceIsRefusedOnTheRejectedSubject() throws Exception {
    Subscription rejected = nats.subscribe(platform.subjects().rejected());
    Subscription hijack = nats.subscribe("someone.elses.subject");
    nats.flush(Duration.ofSeconds(5));
    TrustTally.ofThisBuild().hostileInputs(1, "reply subject outside the allowed space");
    nats.publish(
        platform.subjects().commands(),
        "someone.elses.subject",
        "{\"v\":1,\"id\":\"r1\",\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
    Message notice = rejected.nextMessage(Duration.ofSeconds(10));
    assertThat(notice).isNotNull();
    assertThat(new String(notice.getData(), StandardCharsets.UTF_8))
        .contains("BAD_REQUEST")
        .contains("reply subject");
    assertThat(hijack.nextMessage(Duration.ofMillis(500))).isNull();
    assertThat(agent.counter("agent.commands.errors", "code", "bad_reply_subject"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void thousandsOfRandomizedMessagesGetAnAnswerAndLeakNothing() throws Exception {
    Random random = new Random(20261124L);
    byte[] valid =
        "{\"v\":1,\"id\":\"fz-0\",\"type\":\"ping\",\"payload\":{\"a\":[1,2,{\"b\":null}]},\"credit\":4}"
            .getBytes(StandardCharsets.UTF_8);
    int threadsBefore = Thread.activeCount();
    int answered = 0;
    TrustTally tally = TrustTally.ofThisBuild();
    for (int i = 0; i < 3000; i++) {
      byte[] message = mutate(valid, random, i);
      tally.hostileInputs(1, "randomized command bytes");
      Reply reply = platform.requestRaw(message, Duration.ofSeconds(10));
      assertThat(reply.status()).isIn(Reply.OK, Reply.ERROR);
      if (!reply.ok()) {
        assertThat(reply.error().code()).isNotBlank();
      }
      answered++;
    }
    assertThat(answered).isEqualTo(3000);
    assertThat(platform.request("ping", null, Duration.ofSeconds(5)).ok()).isTrue();
    assertThat(agent.bean(CommandDispatcher.class).runningCount()).isZero();
    assertThat(agent.bean(LiveStreams.class).ids()).isEmpty();
    assertThat(Thread.activeCount()).as("platform threads").isLessThan(threadsBefore + 20);
  }

  /** Byte flips, truncations, insertions and random JSON-ish noise, with a fixed seed. */
  private static byte[] mutate(byte[] valid, Random random, int round) {
    byte[] out = valid.clone();
    switch (round % 5) {
      case 0 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256);
      case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
      case 2 -> {
        String s = new String(out, StandardCharsets.UTF_8);
        int at = random.nextInt(s.length());
        String[] noise = {
          "\"", "{", "}", "[", "]", ",", ":", "null", "\\u0000", "9e999999", "-", "\"v\":7,"
        };
        out =
            (s.substring(0, at) + noise[random.nextInt(noise.length)] + s.substring(at))
                .getBytes(StandardCharsets.UTF_8);
      }
      case 3 -> {
        byte[] noise = new byte[random.nextInt(200)];
        random.nextBytes(noise);
        out = noise;
      }
      default -> {
        String s = new String(out, StandardCharsets.UTF_8).replace("fz-0", "fz-" + round);
        out =
            s.replace(
                    "\"ping\"",
                    random.nextBoolean()
                        ? "\"test.once\""
                        : "\"pin" + (char) ('a' + random.nextInt(26)) + "\"")
                .getBytes(StandardCharsets.UTF_8);
      }
    }
    return out;
  }
}
