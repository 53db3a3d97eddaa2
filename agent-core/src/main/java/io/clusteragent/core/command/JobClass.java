package io.clusteragent.core.command;

/** The kind of work a command does; each kind has its own bulkhead so one cannot starve another. */
public enum JobClass {
  READ,
  WRITE,
  PROXY_UNARY,
  PROXY_STREAM;

  public String metricName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
