package io.clusteragent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The figures of one benchmark run, written as JSON (for scripts) and a Markdown table (for people
 * and docs/benchmarks.md). Each figure is a median with min and max over its runs, through the
 * agent and, where there is one, the same thing done directly.
 */
final class Figures {

  /** Median, min and max of repeated measurements. */
  record Stats(double median, double min, double max, int runs) {
    static Stats of(double... samples) {
      if (samples.length == 0) {
        throw new IllegalArgumentException("no samples");
      }
      double[] sorted = samples.clone();
      Arrays.sort(sorted);
      int n = sorted.length;
      double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      return new Stats(median, sorted[0], sorted[n - 1], n);
    }
  }

  /**
   * @param direct the same work without the agent, or null where there is no such baseline
   * @param target the target, as text, or null
   */
  record Figure(String id, String what, String unit, Stats agent, Stats direct, String target) {
    Double ratio() {
      return direct == null || direct.median() == 0 ? null : agent.median() / direct.median();
    }
  }

  private final List<Figure> figures = new ArrayList<>();
  private final String machine;
  private final String mode;

  Figures(String machine, String mode) {
    this.machine = machine;
    this.mode = mode;
  }

  void add(String id, String what, String unit, Stats agent, Stats direct, String target) {
    figures.add(new Figure(id, what, unit, agent, direct, target));
    System.out.println(line(figures.getLast()));
  }

  String machine() {
    return machine;
  }

  List<Figure> all() {
    return List.copyOf(figures);
  }

  void write(Path json, Path markdown) throws IOException {
    Files.createDirectories(json.toAbsolutePath().getParent());
    JsonMapper mapper = JsonMapper.builder().build();
    ObjectNode root = mapper.createObjectNode().put("machine", machine).put("mode", mode);
    ArrayNode list = root.putArray("figures");
    for (Figure f : figures) {
      ObjectNode node = list.addObject().put("id", f.id()).put("what", f.what());
      node.put("unit", f.unit());
      stats(node.putObject("agent"), f.agent());
      if (f.direct() != null) {
        stats(node.putObject("direct"), f.direct());
        node.put("ratio", f.ratio());
      }
      if (f.target() != null) {
        node.put("target", f.target());
      }
    }
    Files.writeString(json, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    Files.writeString(markdown, markdown());
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("| figure | through the agent: median (min–max) | direct | ratio | target |\n");
    md.append("|---|---|---|---|---|\n");
    for (Figure f : figures) {
      md.append("| ")
          .append(f.what())
          .append(" | ")
          .append(cell(f.agent(), f.unit()))
          .append(" | ")
          .append(f.direct() == null ? "" : cell(f.direct(), f.unit()))
          .append(" | ")
          .append(f.ratio() == null ? "" : String.format(Locale.ROOT, "%.2f", f.ratio()))
          .append(" | ")
          .append(f.target() == null ? "" : f.target())
          .append(" |\n");
    }
    return md.toString();
  }

  private static String line(Figure f) {
    return String.format(
        Locale.ROOT,
        "%-62s %s%s",
        f.what(),
        cell(f.agent(), f.unit()),
        f.direct() == null
            ? ""
            : "; direct " + cell(f.direct(), f.unit()) + String.format(" (ratio %.2f)", f.ratio()));
  }

  private static String cell(Stats s, String unit) {
    if (s.runs() == 1) {
      return number(s.median()) + " " + unit;
    }
    return number(s.median())
        + " "
        + unit
        + " ("
        + number(s.min())
        + "–"
        + number(s.max())
        + ", "
        + s.runs()
        + " runs)";
  }

  private static String number(double v) {
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static void stats(ObjectNode node, Stats s) {
    node.put("median", s.median()).put("min", s.min()).put("max", s.max()).put("runs", s.runs());
  }
}
