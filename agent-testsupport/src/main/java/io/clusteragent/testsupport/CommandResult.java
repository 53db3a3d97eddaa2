package io.clusteragent.testsupport;

import java.util.List;

/** Outcome of a command run by {@link TestEnvironment#run(List)}. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Returns this result, or throws with the command's output when it failed. */
  public CommandResult assertSuccess() {
    if (exitCode != 0) {
      throw new AssertionError(
          "command failed (exit "
              + exitCode
              + "): "
              + String.join(" ", command)
              + "\n--- stdout ---\n"
              + stdout
              + "\n--- stderr ---\n"
              + stderr);
    }
    return this;
  }
}
