package io.clusteragent.core.events;

/**
 * What an operator should see in {@code kubectl describe deployment ankra-agent}: the agent's own
 * life, recorded as Kubernetes Events on its Deployment. The reason is the Event's {@code reason}.
 */
public enum AgentEvent {
  CONNECTED("Connected", false),
  DISCONNECTED("Disconnected", true),
  TOKEN_REFUSED("TokenRefused", true),
  SELF_UPGRADE_STARTED("SelfUpgradeStarted", false),
  SELF_UPGRADE_FINISHED("SelfUpgradeFinished", false),
  SELF_UPGRADE_FAILED("SelfUpgradeFailed", true);

  private final String reason;
  private final boolean warning;

  AgentEvent(String reason, boolean warning) {
    this.reason = reason;
    this.warning = warning;
  }

  public String reason() {
    return reason;
  }

  /** Type Warning (something is wrong) rather than Normal (news). */
  public boolean warning() {
    return warning;
  }
}
