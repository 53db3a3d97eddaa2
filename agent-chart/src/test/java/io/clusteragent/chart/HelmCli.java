package io.clusteragent.chart;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The chart-specific helm calls (template, lint) on top of the test environment's helm, which runs
 * with the admin KUBECONFIG and a private helm home so the developer's helm setup is untouched.
 */
final class HelmCli {

  private final TestEnvironment env;

  private HelmCli(TestEnvironment env) {
    this.env = env;
  }

  static HelmCli of(TestEnvironment env) {
    return new HelmCli(env);
  }

  CommandResult run(Duration timeout, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(env.helm().toString());
    command.addAll(args);
    return env.run(command, timeout);
  }

  CommandResult run(String... args) {
    return run(Duration.ofMinutes(2), List.of(args));
  }

  /**
   * helm template with the given extra arguments; the rendered objects, or an AssertionError with
   * helm's message.
   */
  RenderedChart template(String release, String namespace, List<String> args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "template", release, ChartFiles.chartDir().toString(), "--namespace", namespace));
    command.addAll(args);
    return new RenderedChart(
        Yamls.loadAll(run(Duration.ofMinutes(1), command).assertSuccess().stdout()));
  }

  RenderedChart template(List<String> args) {
    return template(DocumentedInstall.RELEASE, DocumentedInstall.NAMESPACE, args);
  }

  CommandResult lint(List<String> args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "lint",
                "--strict",
                ChartFiles.chartDir().toString(),
                "--namespace",
                DocumentedInstall.NAMESPACE));
    command.addAll(args);
    return run(Duration.ofMinutes(1), command);
  }
}
