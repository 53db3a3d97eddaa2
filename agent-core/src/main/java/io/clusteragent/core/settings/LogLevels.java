package io.clusteragent.core.settings;

import org.springframework.boot.logging.LoggingSystem;

/** Applies the documented log level to the logging system once settings are bound. */
public final class LogLevels {

  public LogLevels(LoggingSystem loggingSystem, AgentLogLevel level) {
    loggingSystem.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, level.logLevel());
    // Library chatter stays at INFO+ unless the user asked for DEBUG explicitly for everything.
  }
}
