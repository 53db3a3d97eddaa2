package io.clusteragent.natsbridge;

import io.clusteragent.core.settings.HttpUrl;
import io.clusteragent.core.settings.ReportedSettings;
import io.clusteragent.core.settings.Secret;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The bridge's platform-facing settings: where to check in and with which token, how many commands
 * run at once, and public-IP reporting. Prefix "agent" (the documented {@code AGENT_ANKRA_URL},
 * {@code AGENT_PUBLIC_IP_*}...); it shares the prefix with other records and binds only its fields.
 * How NATS itself is reached is {@link io.clusteragent.natsbridge.connection.NatsSettings}.
 *
 * <p>Constraint messages are phrased as "the accepted values": the start-up error prints them
 * verbatim.
 */
@ConfigurationProperties("agent")
@Validated
public record BridgeSettings(
    @DefaultValue("https://platform.ankra.app")
        @NotNull(message = "an http:// or https:// URL")
        @HttpUrl
        URI ankraUrl,
    @DefaultValue("") Secret token,
    Path tokenFile,
    @DefaultValue("15")
        @Min(value = 1, message = "an integer from 1 to 1000")
        @Max(value = 1000, message = "an integer from 1 to 1000")
        int natsWorkerMaxWorkers,
    @DefaultValue @Valid PublicIp publicIp,
    @DefaultValue("false") boolean allowInsecureAnkraUrl)
    implements ReportedSettings {

  @Override
  public Map<String, Object> reported() {
    return Map.of(
        "natsWorkerMaxWorkers",
        natsWorkerMaxWorkers,
        "publicIpReportingEnabled",
        publicIp.reportingEnabled());
  }

  /**
   * Fleet-map reporting of the public egress IP; off unless asked for, so no lookup is ever made.
   */
  public record PublicIp(
      @DefaultValue("false") boolean reportingEnabled,
      @DefaultValue("https://api.ipify.org?format=json")
          @NotNull(message = "an http:// or https:// URL")
          @HttpUrl
          URI lookupUrl,
      @DefaultValue("3600") @Min(value = 1, message = "an integer >= 1 (seconds)")
          int refreshSeconds,
      @DefaultValue("5") @Min(value = 1, message = "an integer >= 1 (seconds)")
          int lookupTimeoutSeconds) {}
}
