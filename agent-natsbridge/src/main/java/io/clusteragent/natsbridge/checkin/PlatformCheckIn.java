package io.clusteragent.natsbridge.checkin;

import io.clusteragent.core.events.AgentEvent;
import io.clusteragent.core.events.DeploymentEvents;
import io.clusteragent.core.settings.Secret;
import io.clusteragent.natsbridge.BridgeSettings;
import io.clusteragent.natsbridge.connection.NatsAuth;
import io.clusteragent.natsbridge.connection.NatsEndpoint;
import io.clusteragent.protocol.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks the platform API for the cluster's identity and NATS details, with the agent token as
 * bearer. Retries with the agent's one {@link Backoff} (capped, jittered, so a fleet that lost the
 * platform does not come back in lockstep); a rejected token is logged once, not every try.
 */
public final class PlatformCheckIn {

  private static final Logger log = LoggerFactory.getLogger(PlatformCheckIn.class);

  /** The platform's answer; see docs/protocol.md. */
  record Answer(String clusterId, NatsDetails nats, List<String> signingKeys) {}

  record NatsDetails(
      List<URI> servers,
      String subjectPrefix,
      String token,
      String user,
      String password,
      String nkeySeed,
      String creds) {}

  public record Report(
      String instance,
      String agentVersion,
      String kubernetesVersion,
      Integer nodeCount,
      String publicIp) {}

  private final BridgeSettings agent;
  private final JsonMapper json;
  private final DeploymentEvents events;
  private final MeterRegistry meters;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final Backoff backoff;

  /**
   * {@code minBackoff}/{@code maxBackoff}: {@code agent.nats.checkin-min-backoff}/{@code
   * -max-backoff}.
   */
  public PlatformCheckIn(
      BridgeSettings agent,
      JsonMapper json,
      DeploymentEvents events,
      MeterRegistry meters,
      Duration minBackoff,
      Duration maxBackoff) {
    this.agent = agent;
    this.events = events;
    this.json = json;
    this.meters = meters;
    this.backoff = new Backoff(minBackoff, maxBackoff);
  }

  /**
   * Blocks until the platform answers with NATS details, or the thread is interrupted.
   *
   * @throws IllegalStateException when {@code ankra_url} is plain http:// and that was not
   *     explicitly allowed: the bearer token would travel in clear
   */
  public NatsEndpoint checkIn(Report report) throws InterruptedException {
    if ("http".equalsIgnoreCase(agent.ankraUrl().getScheme()) && !agent.allowInsecureAnkraUrl()) {
      throw new IllegalStateException(
          "config.ankra_url is http://, which would send the agent token in clear; use https://"
              + " (or set AGENT_ALLOW_INSECURE_ANKRA_URL=true for a local test platform)");
    }
    boolean rejectionLogged = false;
    int attempt = 0;
    String lastProblem = null;
    while (true) {
      attempt++;
      try {
        HttpResponse<byte[]> response =
            http.send(request(report), HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        if (status == 200) {
          meters.counter("agent.checkin", "outcome", "ok").increment();
          log.info("checked in with the platform");
          return endpoint(json.readValue(response.body(), Answer.class));
        }
        if (status == 401 || status == 403) {
          meters.counter("agent.checkin", "outcome", "rejected").increment();
          if (!rejectionLogged) {
            log.error(
                "platform refused the agent token (HTTP {}): token invalid or revoked; generate a new install command. Retrying with backoff.",
                status);
            events.record(
                AgentEvent.TOKEN_REFUSED,
                "the platform refused the agent token (HTTP "
                    + status
                    + "): invalid or revoked; install with a new token");
            rejectionLogged = true;
          }
        } else {
          meters.counter("agent.checkin", "outcome", "error").increment();
          lastProblem =
              logChange(
                  lastProblem,
                  "platform check-in answered HTTP " + status + "; retrying with backoff");
        }
      } catch (IOException | RuntimeException e) {
        meters.counter("agent.checkin", "outcome", "error").increment();
        lastProblem =
            logChange(
                lastProblem,
                "platform check-in failed: "
                    + e.getClass().getSimpleName()
                    + "; retrying with backoff");
      }
      backoff.sleep(attempt);
    }
  }

  private static String logChange(String last, String problem) {
    if (!problem.equals(last)) {
      log.warn(problem);
    }
    return problem;
  }

  private HttpRequest request(Report report) throws IOException {
    URI uri =
        URI.create(agent.ankraUrl().toString().replaceAll("/+$", "") + "/api/v1/agent/checkin");
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + token().reveal())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(report)))
        .build();
  }

  /** The mounted secret file wins so a rotated Secret is picked up without a restart. */
  Secret token() throws IOException {
    if (agent.tokenFile() != null && Files.isReadable(agent.tokenFile())) {
      return new Secret(Files.readString(agent.tokenFile(), StandardCharsets.UTF_8));
    }
    return agent.token();
  }

  private static NatsEndpoint endpoint(Answer answer) {
    if (answer == null
        || answer.clusterId() == null
        || answer.nats() == null
        || answer.nats().servers() == null
        || answer.nats().servers().isEmpty()) {
      throw new IllegalStateException("platform check-in answer lacks clusterId or nats.servers");
    }
    NatsDetails n = answer.nats();
    NatsAuth auth;
    if (n.creds() != null) {
      auth = new NatsAuth.Creds(new Secret(n.creds()));
    } else if (n.nkeySeed() != null) {
      auth = new NatsAuth.NKeySeed(new Secret(n.nkeySeed()));
    } else if (n.token() != null) {
      auth = new NatsAuth.Token(new Secret(n.token()));
    } else if (n.user() != null) {
      auth = new NatsAuth.UserPassword(n.user(), new Secret(n.password()));
    } else {
      auth = new NatsAuth.None();
    }
    return new NatsEndpoint(
        n.servers(),
        answer.clusterId(),
        n.subjectPrefix() == null ? "agent" : n.subjectPrefix(),
        auth,
        answer.signingKeys());
  }
}
