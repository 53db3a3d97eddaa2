package io.clusteragent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bench/run --quick}'s harness, on a small scale against the real test environment and the
 * packaged agent: every figure is produced, with finite numbers, in the JSON and the Markdown
 * table. It never looks at how fast anything was.
 */
@WithTestEnvironment
class QuickBenchTest {

  @Test
  void everyFigureIsProducedAndWritten(TestEnvironment env) throws Exception {
    Path out = env.repoRoot().resolve("agent-bench/target/bench-quick");
    Figures figures =
        new AgentVsDirectBench(env, AgentVsDirectBench.Scale.QUICK, out.resolve("work"), false)
            .run(env.repoRoot());
    figures.write(out.resolve("figures.json"), out.resolve("figures.md"));

    assertThat(figures.all())
        .extracting(Figures.Figure::id)
        .containsExactlyInAnyOrderElementsOf(AgentVsDirectBench.FIGURE_IDS);
    for (Figures.Figure f : figures.all()) {
      assertThat(f.agent().median()).as(f.id()).isFinite().isPositive();
      assertThat(f.agent().min()).as(f.id()).isLessThanOrEqualTo(f.agent().max());
      if (f.direct() != null) {
        assertThat(f.direct().median()).as(f.id() + " direct").isFinite().isPositive();
      }
    }
    JsonNode json = JsonMapper.builder().build().readTree(out.resolve("figures.json").toFile());
    assertThat(json.path("figures").size()).isEqualTo(AgentVsDirectBench.FIGURE_IDS.size());
    assertThat(json.path("mode").asString()).isEqualTo("quick");
    String markdown = Files.readString(out.resolve("figures.md"));
    for (Figures.Figure f : figures.all()) {
      assertThat(markdown).contains(f.what());
    }
  }
}
