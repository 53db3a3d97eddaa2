package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.Reply;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Hostile input, signed (so it gets past authentication and reaches the decoder and the handlers):
 * a seeded generator of malformed, truncated, type-confused and oversized commands for every
 * command type the assembled agent serves. Every one must get an answer (a structured error, or the
 * command's own reply or first frame), nothing may echo the planted token, and the agent must keep
 * serving. The seed is printed, so a failure can be replayed with {@code -Dhostile.seed=N}.
 */
@WithTestEnvironment
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class HostileInputTest {

  private static final String PLANTED_TOKEN = "hostile-tok-5e1f9a";
  private static final int CASES = 20_000;
  private static final Duration BUDGET = Duration.ofSeconds(150);
  private static final Set<String> CODES =
      Arrays.stream(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet());

  @Autowired List<CommandHandler> handlers;

  @DynamicPropertySource
  static void environment(DynamicPropertyRegistry registry) {
    TestEnvironment env = TestEnvironment.get();
    registry.add("KUBECONFIG", () -> env.adminKubeconfig().toString());
    registry.add("agent.nats.servers", env::natsUrl);
    registry.add("agent.platform-signing-keys", env::platformPublicKeys);
    registry.add("agent.nats.cluster-id", () -> "hostile");
    registry.add("agent.token", () -> PLANTED_TOKEN);
  }

  @Test
  void everyHostileCommandGetsAStructuredAnswerAndTheAgentKeepsServing(TestEnvironment env)
      throws Exception {
    long seed = Long.getLong("hostile.seed", System.nanoTime());
    Random random = new Random(seed);
    List<String> types =
        new ArrayList<>(handlers.stream().map(CommandHandler::type).sorted().toList());
    types.add("no.such.type");
    int tried = 0;
    int unanswered = 0;
    int leaked = 0;
    try (Connection nats = Nats.connect(env.natsUrl())) {
      PlatformClient platform = new PlatformClient(nats, "agent", "hostile", env.platformSigner());
      awaitServing(platform);
      long until = System.nanoTime() + BUDGET.toNanos();
      for (; tried < CASES && System.nanoTime() < until; tried++) {
        String id = "h-" + seed + "-" + tried;
        byte[] body = hostile(random, types, id);
        Reply reply;
        try {
          reply = platform.requestRaw(body, Duration.ofSeconds(10));
        } catch (NoReplyException e) {
          unanswered++;
          continue;
        }
        // a streaming command may have started: stop it so nothing is left running
        platform.publishControl(Control.cancel(id, "hostile test", System.currentTimeMillis()));
        if (reply.text().contains(PLANTED_TOKEN)) {
          leaked++;
        }
        if (!reply.ok() && reply.error() != null) {
          assertThat(CODES)
              .as("seed %d case %d: a known error code", seed, tried)
              .contains(reply.error().code());
        }
      }
      System.out.printf(
          "hostile input: seed %d, %d commands tried, %d unanswered, %d leaked the token%n",
          seed, tried, unanswered, leaked);
      TrustTally tally = TrustTally.ofThisBuild();
      tally.hostileInputs(tried, "signed hostile commands of every type");
      // a command without any answer is one the platform would wait on for nothing
      tally.messagesLost(unanswered, "hostile commands without an answer");
      tally.secretsLeaked(leaked, "hostile command answers holding the planted token");
      assertThat(unanswered).as("seed %d: commands without an answer", seed).isZero();
      assertThat(leaked).as("seed %d: answers holding the token", seed).isZero();
      assertThat(tried).as("cases run within the budget").isGreaterThan(100);
      assertThat(platform.request("ping", null, Duration.ofSeconds(10)).ok())
          .as("still serving")
          .isTrue();
    }
  }

  private static void awaitServing(PlatformClient platform) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until) {
      try {
        if (platform.request("ping", null, Duration.ofSeconds(2)).ok()) {
          return;
        }
      } catch (NoReplyException notYet) {
        Thread.sleep(200);
      }
    }
  }

  /** One hostile command body; {@code id} is used where the shape keeps an id. */
  private static byte[] hostile(Random random, List<String> types, String id) {
    String type = types.get(random.nextInt(types.size()));
    long deadline = System.currentTimeMillis() + 20_000;
    return switch (random.nextInt(8)) {
      case 0 -> randomBytes(random, random.nextInt(600));
      case 1 -> {
        byte[] whole =
            envelope(id, type, deadline, randomJson(random, 3), null)
                .getBytes(StandardCharsets.UTF_8);
        yield Arrays.copyOf(whole, random.nextInt(Math.max(1, whole.length)));
      }
      case 2 ->
          ("{\"v\":"
                  + randomJson(random, 1)
                  + ",\"id\":"
                  + randomJson(random, 1)
                  + ",\"type\":"
                  + randomJson(random, 1)
                  + ",\"deadline\":"
                  + randomJson(random, 1)
                  + ",\"actor\":"
                  + randomJson(random, 2)
                  + ",\"credit\":"
                  + randomJson(random, 1)
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      case 3 ->
          envelope(id, type, deadline, randomPayload(random), actor(random))
              .getBytes(StandardCharsets.UTF_8);
      case 4 ->
          envelope(
                  id,
                  type,
                  deadline,
                  "{\"" + "x".repeat(random.nextInt(5000)) + "\":" + randomJson(random, 4) + "}",
                  null)
              .getBytes(StandardCharsets.UTF_8);
      case 5 ->
          envelope(id, type, deadline, nested(random.nextInt(3000)), null)
              .getBytes(StandardCharsets.UTF_8);
      case 6 ->
          envelope(id, type, random.nextBoolean() ? -5 : Long.MAX_VALUE, "null", null)
              .getBytes(StandardCharsets.UTF_8);
      default ->
          envelope(id, type, deadline, randomPayload(random), null)
              .getBytes(StandardCharsets.UTF_8);
    };
  }

  private static String envelope(
      String id, String type, long deadline, String payload, String actor) {
    return "{\"v\":1,\"id\":\""
        + id
        + "\",\"type\":\""
        + type
        + "\",\"deadline\":"
        + deadline
        + (actor == null ? "" : ",\"actor\":" + actor)
        + ",\"payload\":"
        + payload
        + "}";
  }

  private static String actor(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> "{\"user\":\"jane\",\"groups\":[null]}";
      case 1 -> "{\"user\":" + randomJson(random, 1) + "}";
      case 2 -> "{\"user\":\"admin\",\"groups\":[\"system:masters\"]}";
      default -> "{\"user\":\"" + "u".repeat(random.nextInt(400)) + "\"}";
    };
  }

  private static final String[] FIELDS = {
    "namespace", "name", "pod", "group", "version", "resource", "release", "revision", "path",
        "method", "query",
    "headers", "body", "user", "role", "scope", "service", "port", "follow", "limit", "continue",
        "labelSelector",
    "timeoutSeconds", "tailLines", "container", "filter", "wait"
  };

  private static final String[] NASTY = {
    "\"../../etc/passwd\"",
    "\"/api/../../secrets\"",
    "\"http://169.254.169.254/\"",
    "\"kube-system\"",
    "\"a b\"",
    "\"%2e%2e\"",
    "\"\\u0000\"",
    "\"x\\r\\nInjected: 1\"",
    "-1",
    "0",
    "99999999999999999999",
    "1.5",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\"default\"",
    "\"v1\"",
    "\"pods\"",
    "\"file:///etc/shadow\"",
    "\"" + PLANTED_TOKEN.substring(0, 4) + "\""
  };

  private static String randomPayload(Random random) {
    StringBuilder payload = new StringBuilder("{");
    int fields = random.nextInt(6);
    for (int i = 0; i < fields; i++) {
      if (i > 0) {
        payload.append(',');
      }
      payload.append('"').append(FIELDS[random.nextInt(FIELDS.length)]).append("\":");
      payload.append(
          random.nextBoolean() ? NASTY[random.nextInt(NASTY.length)] : randomJson(random, 2));
    }
    return payload.append('}').toString();
  }

  private static String randomJson(Random random, int depth) {
    int pick = random.nextInt(depth <= 0 ? 5 : 7);
    return switch (pick) {
      case 0 -> "null";
      case 1 -> Long.toString(random.nextLong());
      case 2 -> random.nextBoolean() ? "true" : "false";
      case 3 -> "\"" + "abc\\\"\\\\/é\\u2028".substring(0, random.nextInt(8)) + "\"";
      case 4 -> Double.toString(random.nextDouble() * 1e300);
      case 5 -> "[" + randomJson(random, depth - 1) + "," + randomJson(random, depth - 1) + "]";
      default -> "{\"k\":" + randomJson(random, depth - 1) + "}";
    };
  }

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
