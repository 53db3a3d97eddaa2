package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The image's Jib configuration (agent-image/pom.xml), deploy/jvm.options and the chart agree on
 * user, home and port, and the JVM flags fit the default memory limit. This reads the configuration
 * only; agent-image's ImageContentsIT checks the built image itself.
 */
class ImageContractTest {

  private static final long MIB = 1024 * 1024;

  private static Path deployDir() {
    return ChartFiles.chartDir().resolve("../..").normalize();
  }

  /** The {@code <container>} element of the jib-maven-plugin's configuration. */
  private static Element jibContainer() throws Exception {
    Path pom = deployDir().resolve("../agent-image/pom.xml").normalize();
    var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    NodeList plugins = document.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if ("jib-maven-plugin".equals(text(plugin, "artifactId"))) {
        return child(child(plugin, "configuration"), "container");
      }
    }
    throw new AssertionError("no jib-maven-plugin in " + pom);
  }

  @Test
  void imageRunsAsTheUserAndHomeTheChartExpects() throws Exception {
    Map<String, Object> values = Yamls.load(Files.readString(ChartFiles.valuesYaml()));
    Element container = jibContainer();

    assertThat(text(container, "user")).isEqualTo("1000:1000");
    assertThat(text(container, "workingDirectory")).isEqualTo("/home/agent");
    assertThat(text(child(container, "environment"), "HOME")).isEqualTo("/home/agent");
    assertThat(texts(child(container, "ports"), "port")).containsExactly("8080");
    assertThat(Yamls.at(values, "pod_security_context.runAsUser")).isEqualTo(1000);
    assertThat(Yamls.at(values, "pod_security_context.runAsGroup")).isEqualTo(1000);
  }

  @Test
  void entrypointUsesTheJvmOptionsFileAndTheAotCacheTheBuildTrains() throws Exception {
    assertThat(texts(child(jibContainer(), "entrypoint"), "arg"))
        .containsExactly(
            "java", "@/app/jvm.options", "-XX:AOTCache=/app/app.aot", "-jar", "/app/app.jar");
    // the training run in agent-image/stage-layers writes the cache the entrypoint reads
    assertThat(deployDir().resolve("../agent-image/stage-layers").normalize())
        .content()
        .contains("java @/app/jvm.options -XX:AOTCacheOutput=/app/app.aot")
        .contains("-jar /app/app.jar");
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

  private static Element child(Element parent, String name) {
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node instanceof Element element && element.getTagName().equals(name)) {
        return element;
      }
    }
    throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
  }

  private static String text(Element parent, String name) {
    return child(parent, name).getTextContent().strip();
  }

  private static List<String> texts(Element parent, String name) {
    List<String> texts = new ArrayList<>();
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node instanceof Element element && element.getTagName().equals(name)) {
        texts.add(element.getTextContent().strip());
      }
    }
    return texts;
  }

  private static long flag(String flags, String name) {
    Matcher matcher = Pattern.compile("\\s" + name + "\\s+= (\\d+)").matcher(flags);
    assertThat(matcher.find()).as("flag %s", name).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
