package io.clusteragent.chart;

import java.util.List;

/**
 * The install commands of the agent documentation, as the --set flags helm receives after the shell
 * has removed the quotes. Every one of them must lint, render and behave as documented.
 */
enum DocumentedInstall {
  INLINE_TOKEN("--set", "config.token=YOUR_UNIQUE_TOKEN"),

  EXISTING_SECRET(
      "--set",
      "config.existing_secret_name=ankra-agent-secret",
      "--set",
      "config.secret_key=token"),

  LARGE_CLUSTER(
      "--set",
      "config.token=YOUR_TOKEN",
      "--set",
      "nats_worker_max_workers=25",
      "--set",
      "resources.limits.memory=1Gi",
      "--set",
      "resources.requests.memory=512Mi"),

  PUBLIC_IP_REPORTING(
      "--set", "config.token=YOUR_TOKEN", "--set", "public_ip.reporting_enabled=true"),

  SERVICE_MONITOR(
      "--set", "config.token=YOUR_TOKEN", "--set", "metrics.serviceMonitor.enabled=true");

  /** Release and namespace of every documented command. */
  static final String RELEASE = "ankra-agent";

  static final String NAMESPACE = "ankra";

  private final List<String> helmArgs;

  DocumentedInstall(String... helmArgs) {
    this.helmArgs = List.of(helmArgs);
  }

  List<String> helmArgs() {
    return helmArgs;
  }
}
