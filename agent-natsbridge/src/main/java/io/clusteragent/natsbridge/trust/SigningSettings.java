package io.clusteragent.natsbridge.trust;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which platform keys the agent trusts to sign commands ({@code AGENT_PLATFORM_SIGNING_KEYS}, or
 * {@code AGENT_PLATFORM_SIGNING_KEYS_FILE} for a mounted Secret, re-read when it changes). Either
 * one pins the keys: the keys the platform offers at check-in are then ignored. With neither, the
 * check-in keys are trusted. {@code controlMaxAge} is how far a signed control message's {@code at}
 * may be from the agent's clock.
 */
@ConfigurationProperties("agent")
@Validated
public record SigningSettings(
    @SigningKeyText String platformSigningKeys,
    Path platformSigningKeysFile,
    @DefaultValue("2m") Duration controlMaxAge) {

  public boolean pinned() {
    return (platformSigningKeys != null && !platformSigningKeys.isBlank())
        || platformSigningKeysFile != null;
  }
}
