package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image (deploy/Dockerfile, deploy/jvm.options) and the chart agree on user, home and port, and
 * the JVM flags fit the default memory limit. The image cannot be built in the test environment (no
 * container engine), so this is what can be checked of it here.
 */
class ImageContractTest {

  private static final long MIB = 1024 * 1024;

  private static Path deployDir() {
    return ChartFiles.chartDir().resolve("../..").normalize();
  }

  private static String dockerfile() throws IOException {
    return Files.readString(deployDir().resolve("Dockerfile"));
  }

  @Test
  void imageRunsAsTheUserAndHomeTheChartExpects() throws IOException {
    Map<String, Object> values = Yamls.load(Files.readString(ChartFiles.valuesYaml()));

    assertThat(dockerfile())
        .containsPattern("(?m)^USER 1000:1000$")
        .containsPattern("(?m)^ENV HOME=/home/agent$")
        .containsPattern("(?m)^EXPOSE 8080$");
    assertThat(Yamls.at(values, "pod_security_context.runAsUser")).isEqualTo(1000);
    assertThat(Yamls.at(values, "pod_security_context.runAsGroup")).isEqualTo(1000);
  }

  @Test
  void entrypointUsesTheJvmOptionsFileAndTheAotCacheTheBuildTrains() throws IOException {
    String dockerfile = dockerfile();

    assertThat(dockerfile)
        .contains("COPY deploy/jvm.options /app/jvm.options")
        .contains("-XX:AOTCacheOutput=/app/app.aot")
        .contains(
            "ENTRYPOINT [\"java\", \"@/app/jvm.options\", \"-XX:AOTCache=/app/app.aot\", \"-jar\", \"/app/app.jar\"]");
  }

  @Test
  void jvmFlagsLeaveRoomForHelmWithinTheDefaultMemoryLimit() throws Exception {
    assumeThat(Runtime.version().feature())
        .as("jvm.options targets the image's JDK 25")
        .isGreaterThanOrEqualTo(25);
    long limit = 512 * MIB;

    String flags = printFlagsFinal(limit);

    long heap = flag(flags, "MaxHeapSize");
    long metaspace = flag(flags, "MaxMetaspaceSize");
    long codeCache = flag(flags, "ReservedCodeCacheSize");
    long direct = flag(flags, "MaxDirectMemorySize");
    assertThat(flags)
        .containsPattern("bool UseSerialGC\\s+= true")
        .containsPattern("bool UsePerfData\\s+= false");
    assertThat(heap).isBetween(180 * MIB, limit / 2);
    // What is left is for thread stacks, GC/JIT native memory and the helm child processes.
    assertThat(limit - heap - metaspace - codeCache - direct).isGreaterThanOrEqualTo(100 * MIB);
  }

  private static String printFlagsFinal(long maxRam) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "@" + deployDir().resolve("jvm.options"),
                    "-XX:MaxRAM=" + maxRam,
                    "-XX:+PrintFlagsFinal",
                    "-version"))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("java @jvm.options -version:%n%s", output).isZero();
    return output;
  }

  private static long flag(String flags, String name) {
    Matcher matcher = Pattern.compile("\\s" + name + "\\s+= (\\d+)").matcher(flags);
    assertThat(matcher.find()).as("flag %s", name).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
