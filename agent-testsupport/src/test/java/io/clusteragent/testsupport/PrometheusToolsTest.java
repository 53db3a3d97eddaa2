package io.clusteragent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** prometheus() and promtool() are the builds of the pin in testenv/prometheus/go.mod. */
@WithTestEnvironment
class PrometheusToolsTest {

  @Test
  void bothReportThePrometheusReleaseOfThePinnedModule(TestEnvironment env) throws Exception {
    String goMod = Files.readString(env.repoRoot().resolve("testenv/prometheus/go.mod"));
    Matcher pin =
        Pattern.compile("(?m)^\\s*github\\.com/prometheus/prometheus v0\\.(\\d+)\\.(\\d+)")
            .matcher(goMod);
    assertThat(pin.find()).as("prometheus pin in go.mod").isTrue();
    // Go module v0.MMM.P is Prometheus 3.(MMM-300).P
    String release = "3." + (Integer.parseInt(pin.group(1)) - 300) + "." + pin.group(2);

    for (Path binary : List.of(env.prometheus(), env.promtool())) {
      CommandResult version = env.run(binary.toString(), "--version").assertSuccess();
      assertThat(version.stdout() + version.stderr())
          .as(binary.toString())
          .contains("version " + release + " ");
    }
  }
}
