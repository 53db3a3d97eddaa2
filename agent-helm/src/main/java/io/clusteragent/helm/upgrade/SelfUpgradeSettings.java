package io.clusteragent.helm.upgrade;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the agent's own release comes from ({@code AGENT_SELF_UPGRADE_CHART}, {@code
 * AGENT_SELF_UPGRADE_RELEASE}): the documented install's chart and release name, in the agent's
 * namespace.
 */
@ConfigurationProperties("agent.self-upgrade")
@Validated
public record SelfUpgradeSettings(
    @DefaultValue("oci://ghcr.io/ankraio/ankra-agent/ankra-agent")
        @NotNull(message = "an oci:// chart reference")
        String chart,
    @DefaultValue("ankra-agent") @NotNull(message = "a Helm release name") String release) {

  @AssertTrue(message = "agent.self-upgrade.chart: an oci:// chart reference")
  public boolean isChartOci() {
    return chart == null || chart.startsWith("oci://");
  }
}
