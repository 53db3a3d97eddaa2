package io.clusteragent.natsbridge.connection;

import io.clusteragent.core.settings.Secret;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How the bridge reaches NATS ({@code AGENT_NATS_*}). With {@code servers} set the agent connects
 * directly (self-hosting, no platform API); otherwise it asks the platform at check-in.
 */
@ConfigurationProperties("agent.nats")
@Validated
public record NatsSettings(
    @DefaultValue List<URI> servers,
    String clusterId,
    @DefaultValue("agent") String subjectPrefix,
    @DefaultValue("") Secret token,
    String user,
    @DefaultValue("") Secret password,
    Path nkeySeedFile,
    Path credsFile,
    Path tlsCaFile,
    @DefaultValue("_INBOX.") @NotEmpty(message = "at least one reply subject prefix")
        List<String> replyPrefixes,
    @DefaultValue("1MB") DataSize maxCommandSize,
    @DefaultValue("64KB") DataSize frameSize,
    @DefaultValue("5s") Duration streamHeartbeat,
    @DefaultValue("60s") Duration streamStallTimeout,
    @DefaultValue("4")
        @Min(value = 1, message = "an integer from 1 to 64")
        @Max(value = 64, message = "an integer from 1 to 64")
        int streamInputWindow,
    @DefaultValue("30s") Duration streamSyncInterval,
    @DefaultValue("30s") Duration heartbeatInterval,
    @DefaultValue("10s") Duration pingInterval,
    @DefaultValue("3") @Min(value = 1, message = "an integer >= 1") int pingMisses,
    @DefaultValue("250ms") Duration reconnectMinDelay,
    @DefaultValue("30s") Duration reconnectMaxDelay,
    @DefaultValue("8MB") DataSize reconnectBufferSize,
    @DefaultValue("2s") Duration checkinMinBackoff,
    @DefaultValue("5m") Duration checkinMaxBackoff) {

  @AssertTrue(
      message =
          "0 < checkin-min-backoff <= checkin-max-backoff and 0 < reconnect-min-delay <= reconnect-max-delay")
  public boolean isBackoffOrdered() {
    return checkinMinBackoff.isPositive()
        && checkinMaxBackoff.compareTo(checkinMinBackoff) >= 0
        && reconnectMinDelay.isPositive()
        && reconnectMaxDelay.compareTo(reconnectMinDelay) >= 0;
  }

  public boolean direct() {
    return !servers.isEmpty();
  }
}
