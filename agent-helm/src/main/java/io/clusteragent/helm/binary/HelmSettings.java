package io.clusteragent.helm.binary;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How the agent runs the bundled helm ({@code AGENT_HELM_BINARY}, {@code
 * AGENT_HELM_COMMAND_TIMEOUT}, {@code AGENT_HELM_MAX_OUTPUT_SIZE}). The default binary path is
 * where the image puts it (agent-image/stage-layers).
 */
@ConfigurationProperties("agent.helm")
@Validated
public record HelmSettings(
    @DefaultValue("/usr/local/bin/helm") @NotNull(message = "an absolute path to the helm binary")
        Path binary,
    @DefaultValue("5m") @NotNull(message = "a positive duration such as 5m")
        Duration commandTimeout,
    @DefaultValue("8MB") @NotNull(message = "a positive size such as 8MB") DataSize maxOutputSize) {

  @AssertTrue(message = "agent.helm.binary: an absolute path to the helm binary")
  public boolean isBinaryAbsolute() {
    return binary == null || binary.isAbsolute();
  }

  @AssertTrue(message = "agent.helm.command-timeout: a positive duration such as 5m")
  public boolean isCommandTimeoutPositive() {
    return commandTimeout == null || (!commandTimeout.isNegative() && !commandTimeout.isZero());
  }

  @AssertTrue(message = "agent.helm.max-output-size: a size from 1KB to 1GB")
  public boolean isMaxOutputSizeInRange() {
    // The capture buffer is a byte array: keep it far below Integer.MAX_VALUE.
    return maxOutputSize == null
        || (maxOutputSize.toBytes() >= 1024
            && maxOutputSize.toBytes() <= DataSize.ofGigabytes(1).toBytes());
  }
}
