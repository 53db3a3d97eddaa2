package io.clusteragent.chart;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.clusteragent.testsupport.TestEnvironment;

/**
 * Runs the helm binary of the test environment against the chart, with the environment's variables
 * (admin KUBECONFIG, a private helm cache/config/data home, so the developer's helm setup is untouched).
 */
final class HelmCli {

    record Result(List<String> command, int exitCode, String stdout, String stderr) {

        Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("helm failed (exit " + exitCode + "): " + String.join(" ", command)
                        + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            return this;
        }
    }

    private final Path helm;
    private final Map<String, String> environment;

    HelmCli(Path helm, Map<String, String> environment) {
        this.helm = helm;
        this.environment = Map.copyOf(environment);
    }

    static HelmCli of(TestEnvironment env) {
        return new HelmCli(env.helm(), env.commandEnvironment());
    }

    Result run(Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(helm.toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> stdout = readAsync(process.getInputStream());
            CompletableFuture<String> stderr = readAsync(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("helm timed out after " + timeout + ": " + String.join(" ", command));
            }
            return new Result(command, process.exitValue(), stdout.join(), stderr.join());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    Result run(String... args) {
        return run(Duration.ofMinutes(2), List.of(args));
    }

    /** helm template with the given extra arguments; the rendered objects, or an AssertionError with helm's message. */
    RenderedChart template(String release, String namespace, List<String> args) {
        List<String> command = new ArrayList<>(List.of("template", release, ChartFiles.chartDir().toString(),
                "--namespace", namespace));
        command.addAll(args);
        return new RenderedChart(Yamls.loadAll(run(Duration.ofMinutes(1), command).requireSuccess().stdout()));
    }

    RenderedChart template(List<String> args) {
        return template(DocumentedInstall.RELEASE, DocumentedInstall.NAMESPACE, args);
    }

    Result lint(List<String> args) {
        List<String> command = new ArrayList<>(List.of("lint", "--strict", ChartFiles.chartDir().toString(),
                "--namespace", DocumentedInstall.NAMESPACE));
        command.addAll(args);
        return run(Duration.ofMinutes(1), command);
    }

    private static CompletableFuture<String> readAsync(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<unreadable: " + e + ">";
            }
        });
    }
}
