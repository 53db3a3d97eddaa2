package io.clusteragent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts a run's table into docs/benchmarks.md between its markers, so the page always shows the
 * figures of one run of {@code bench/run}, with the machine and date they were measured on.
 */
final class BenchDocs {

  static final String BEGIN = "<!-- bench/run figures: begin -->";
  static final String END = "<!-- bench/run figures: end -->";

  private BenchDocs() {}

  static void update(Path page, Figures figures) throws IOException {
    String text = Files.readString(page);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException(page + " has no " + BEGIN + " ... " + END + " section");
    }
    String table =
        BEGIN
            + "\n\nMeasured by `bench/run` on "
            + figures.machine()
            + ".\n\n"
            + figures.markdown()
            + "\n";
    Files.writeString(page, text.substring(0, begin) + table + text.substring(end));
  }
}
