package io.clusteragent.core.settings;

import org.springframework.boot.logging.LogLevel;

/**
 * The documented log levels, and what each means for the logging system (it has no
 * WARNING/CRITICAL).
 */
public enum AgentLogLevel {
  DEBUG(LogLevel.DEBUG),
  INFO(LogLevel.INFO),
  WARNING(LogLevel.WARN),
  ERROR(LogLevel.ERROR),
  CRITICAL(LogLevel.FATAL);

  private final LogLevel logLevel;

  AgentLogLevel(LogLevel logLevel) {
    this.logLevel = logLevel;
  }

  public LogLevel logLevel() {
    return logLevel;
  }
}
