package io.clusteragent.core.settings;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

/**
 * Prints a start-up failure as a single line on stderr, where {@code kubectl logs} and a terminal
 * show it, instead of Spring's multi-line banner (whose logger is switched off in
 * application.yaml).
 */
public class OneLineFailureReporter implements FailureAnalysisReporter {

  @Override
  public void report(FailureAnalysis analysis) {
    System.err.println(
        "agent failed to start: "
            + analysis.getDescription().replace('\n', ' ')
            + " ("
            + analysis.getAction().replace('\n', ' ')
            + ")");
    System.err.flush();
  }
}
