package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.protocol.Backoff;
import io.clusteragent.protocol.Heartbeat;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The platform API side of the bridge, against a local HTTP server acting as the platform: check-in
 * with the bearer token, a revoked token retried with the shared backoff, and public-IP reporting
 * on and off.
 */
@WithTestEnvironment
@ExtendWith(OutputCaptureExtension.class)
class PlatformCheckInTest {

  private static final String TOKEN = "checkin-tok-8c1d";

  @Test
  void aRejectedTokenIsLoggedOnceAndRetriedUntilThePlatformAcceptsIt(
      TestEnvironment env, CapturedOutput output) throws Exception {
    PlatformApiStandIn platformApi =
        new PlatformApiStandIn(call ->
            call <= 3
                ? new PlatformApiStandIn.Answer(401, "{\"error\":\"revoked\"}")
                : PlatformApiStandIn.Answer.checkedIn("checked-in", env.natsUrl(), ""));
    try (RunningAgent agent =
            RunningAgent.start(
                null,
                null,
                Map.of(
                    "agent.ankra-url",
                    platformApi.url(),
                    "agent.allow-insecure-ankra-url",
                    "true",
                    "agent.token",
                    TOKEN,
                    "agent.nats.checkin-min-backoff",
                    "100ms",
                    "agent.nats.checkin-max-backoff",
                    "300ms"));
        Connection nats = Nats.connect(env.natsUrl());
        PlatformClient platform =
            new PlatformClient(
                nats, "agent", "checked-in", TestEnvironment.get().platformSigner())) {
      assertThat(platform.request("ping", null, Duration.ofSeconds(10)).ok()).isTrue();
      assertThat(platformApi.calls()).isEqualTo(4);
      assertThat(platformApi.authorizations()).containsOnly("Bearer " + TOKEN);
      assertThat(output.getAll().split("token invalid or revoked", -1))
          .as("logged once")
          .hasSize(2);
      assertThat(output.getAll()).doesNotContain(TOKEN);
      assertThat(agent.counter("agent.checkin", "outcome", "rejected")).isEqualTo(3);
      // retries wait the shared Backoff of agent.nats.checkin-min/max-backoff: at least the low end
      // of each attempt's jitter range (50, 100, 150 ms here), never a tight loop
      Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(300));
      List<Long> callNanos = platformApi.callNanos();
      for (int attempt = 1; attempt < callNanos.size(); attempt++) {
        Duration gap = Duration.ofNanos(callNanos.get(attempt) - callNanos.get(attempt - 1));
        assertThat(gap)
            .as("wait after attempt %d", attempt)
            .isGreaterThanOrEqualTo(backoff.delay(attempt, 0.0));
      }
    } finally {
      platformApi.close();
    }
  }

  @Test
  void publicIpIsLookedUpAndReportedOnlyWhenEnabled(TestEnvironment env) throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    HttpServer ipService = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ipService.createContext(
        "/",
        exchange -> {
          lookups.incrementAndGet();
          byte[] body = "{\"ip\":\"203.0.113.9\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    ipService.start();
    String lookupUrl = "http://127.0.0.1:" + ipService.getAddress().getPort() + "/?format=json";
    try (Connection nats = Nats.connect(env.natsUrl())) {
      try (RunningAgent off =
          RunningAgent.start(
              env.natsUrl(),
              "ip-off",
              Map.of(
                  "agent.public-ip.lookup-url",
                  lookupUrl,
                  "agent.nats.heartbeat-interval",
                  "500ms"))) {
        Heartbeat beat = heartbeatOf(nats, "ip-off");
        assertThat(beat.publicIp()).isNull();
        RunningAgent.sleep(1000);
        assertThat(lookups.get()).as("no lookup request when reporting is disabled").isZero();
      }
      try (RunningAgent on =
          RunningAgent.start(
              env.natsUrl(),
              "ip-on",
              Map.of(
                  "agent.public-ip.reporting-enabled", "true",
                  "agent.public-ip.lookup-url", lookupUrl,
                  "agent.public-ip.refresh-seconds", "3600",
                  "agent.nats.heartbeat-interval", "500ms"))) {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Heartbeat beat = heartbeatOf(nats, "ip-on");
        while (beat.publicIp() == null && System.nanoTime() < until) {
          beat = heartbeatOf(nats, "ip-on");
        }
        assertThat(beat.publicIp()).isEqualTo("203.0.113.9");
        RunningAgent.sleep(1500);
        assertThat(lookups.get()).as("cached until the refresh interval").isEqualTo(1);
      }
    } finally {
      ipService.stop(0);
    }
  }

  private static Heartbeat heartbeatOf(Connection nats, String clusterId)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < until) {
      for (Heartbeat beat : PlatformClient.agents(nats, "agent", Duration.ofMillis(700))) {
        if (beat.clusterId().equals(clusterId)) {
          return beat;
        }
      }
    }
    throw new AssertionError("no heartbeat from " + clusterId);
  }

  @Test
  void withoutPinnedKeysTheKeysOfferedAtCheckInAreTrusted(TestEnvironment env) throws Exception {
    String bareKey =
        env.platformPublicKeys().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PlatformApiStandIn platformApi =
        new PlatformApiStandIn(call ->
            PlatformApiStandIn.Answer.checkedIn(
                "offered", env.natsUrl(), ",\"signingKeys\":[\"" + bareKey + "\"]"));
    try (RunningAgent agent =
            RunningAgent.start(
                null,
                null,
                Map.of(
                    "agent.ankra-url",
                    platformApi.url(),
                    "agent.allow-insecure-ankra-url",
                    "true",
                    "agent.token",
                    TOKEN,
                    "agent.platform-signing-keys",
                    ""));
        Connection nats = Nats.connect(env.natsUrl())) {
      assertThat(
              new PlatformClient(nats, "agent", "offered", env.platformSigner())
                  .request("ping", null, Duration.ofSeconds(10))
                  .ok())
          .isTrue();
      var stranger =
          new io.clusteragent.protocol.MessageSigner(
              io.clusteragent.protocol.PlatformKeys.generate().getPrivate());
      assertThat(
              new PlatformClient(nats, "agent", "offered", stranger)
                  .request("ping", null, Duration.ofSeconds(10))
                  .error()
                  .code())
          .isEqualTo("UNAUTHENTICATED");
    } finally {
      platformApi.close();
    }
  }

  @Test
  void aPlainHttpPlatformUrlGetsNoTokenUnlessExplicitlyAllowed(TestEnvironment env)
      throws Exception {
    PlatformApiStandIn platformApi =
        new PlatformApiStandIn(
            call -> PlatformApiStandIn.Answer.checkedIn("clear", env.natsUrl(), ""));
    try (RunningAgent agent =
        RunningAgent.startWithoutWaiting(
            null,
            null,
            Map.of(
                "agent.ankra-url",
                platformApi.url(),
                "agent.token",
                TOKEN,
                "agent.nats.checkin-min-backoff",
                "100ms",
                "agent.nats.checkin-max-backoff",
                "300ms"))) {
      var session = agent.bean(io.clusteragent.natsbridge.connection.NatsSession.class);
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!session.problem().contains("in clear") && System.nanoTime() < until) {
        RunningAgent.sleep(50);
      }
      assertThat(session.problem()).contains("http://").contains("AGENT_ALLOW_INSECURE_ANKRA_URL");
      RunningAgent.sleep(500);
      assertThat(platformApi.calls()).as("the token never went out").isZero();
    } finally {
      platformApi.close();
    }
  }
}
