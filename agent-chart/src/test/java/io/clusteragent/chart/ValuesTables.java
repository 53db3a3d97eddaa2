package io.clusteragent.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three places the chart's values and defaults are written down, read into comparable form: the
 * committed documented-values.tsv, the "All Helm Values" table of the reference docs, and the
 * values table of the chart README.
 */
final class ValuesTables {

  /**
   * One parameter/default pair of documented-values.tsv and where the docs give it: {@code table}
   * (the main page's values table), {@code prose} or {@code reference} (the sister pages' full
   * values reference).
   */
  record Documented(String parameter, String defaultValue, String source) {

    boolean inTable() {
      return source.equals("table");
    }

    boolean inProse() {
      return source.equals("prose");
    }

    boolean inReference() {
      return source.equals("reference");
    }
  }

  /**
   * One row of the full values reference (agent-docs-more.md section 1): the values it names, with
   * shorthands resolved ("`image.pull_policy` / `pull_secrets`" names image.pull_secrets,
   * "`writable_volumes.{tmp,cache}_size_limit`" both limits), and its default cell split the same
   * way ("`Always` / `[]`").
   */
  record ReferenceRow(List<String> parameters, List<String> defaults, String line) {

    boolean names(String parameter) {
      return parameters.stream()
          .anyMatch(named -> named.equals(parameter) || parameter.startsWith(named + "."));
    }

    /**
     * Whether the row's default for this parameter is the given documented one; "empty" stands for
     * {} and [], "off" for false.
     */
    boolean statesDefault(String parameter, String documented) {
      int index = parameters.indexOf(parameter);
      String stated =
          defaults.size() == parameters.size() && index >= 0
              ? defaults.get(index)
              : String.join(" / ", defaults);
      return stated.equals(documented)
          || (stated.equals("empty") && (documented.equals("{}") || documented.equals("[]")))
          || (stated.equals("off") && documented.equals("false"));
    }

    @Override
    public String toString() {
      return line;
    }
  }

  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
  private static final Pattern BRACES = Pattern.compile("^(.*)\\{([^}]+)}(.*)$");

  /** The value rows of section 1 of the sister pages (tables rows whose first cell is `...`). */
  static List<ReferenceRow> referenceRows(String reference) {
    int start = reference.indexOf("## 1.");
    int end = reference.indexOf("\n## ", start + 1);
    if (start < 0) {
      throw new IllegalArgumentException("reference has no section '## 1.'");
    }
    List<ReferenceRow> rows = new ArrayList<>();
    for (String line : reference.substring(start, end < 0 ? reference.length() : end).split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      String[] cells = line.split("\\|");
      List<String> parameters = new ArrayList<>();
      Matcher token = BACKTICKED.matcher(cells[1]);
      String parent = null;
      while (token.find()) {
        String name = token.group(1);
        if (parent == null) {
          parent = name.contains(".") ? name.substring(0, name.lastIndexOf('.') + 1) : "";
        } else if (name.startsWith(".") || !name.contains(".")) {
          name = parent + (name.startsWith(".") ? name.substring(1) : name);
        }
        parameters.addAll(expandBraces(name));
      }
      List<String> defaults = new ArrayList<>();
      for (String part : cells[2].split(" / ")) {
        // "`""` (chart appVersion)": the default without the remark and the backticks
        defaults.add(part.replaceAll("\\(.*\\)", "").replace("`", "").strip());
      }
      rows.add(new ReferenceRow(List.copyOf(parameters), List.copyOf(defaults), line));
    }
    return rows;
  }

  private static List<String> expandBraces(String name) {
    Matcher braces = BRACES.matcher(name);
    if (!braces.matches()) {
      return List.of(name);
    }
    List<String> names = new ArrayList<>();
    for (String choice : braces.group(2).split(",")) {
      names.add(braces.group(1) + choice.strip() + braces.group(3));
    }
    return names;
  }

  static final String README_TABLE_START = "<!-- values-table:start -->";
  static final String README_TABLE_END = "<!-- values-table:end -->";

  private ValuesTables() {}

  static final List<String> SOURCES = List.of("table", "prose", "reference");

  static List<Documented> parseTsv(String tsv) {
    List<Documented> rows = new ArrayList<>();
    for (String line : tsv.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cells = line.split("\t", -1);
      if (cells.length != 3 || !SOURCES.contains(cells[2])) {
        throw new IllegalArgumentException(
            "documented-values.tsv: expected parameter<TAB>default<TAB>table|prose|reference: "
                + line);
      }
      rows.add(new Documented(cells[0], cells[1], cells[2]));
    }
    return rows;
  }

  /**
   * Rows of the docs' "All Helm Values" table. The docs text has lost the cell borders, so a row is
   * parameter, default and description run together ("log_levelINFOLog level (...)"); rows run from
   * the header line "ParameterDefaultDescription" after the heading while lines start with a
   * lower-case letter, as every parameter does (the prose after the table starts with a capital or
   * is blank).
   */
  static List<String> docsTableRows(String docs, String heading) {
    List<String> lines = docs.lines().toList();
    int headingAt = lines.indexOf(heading);
    if (headingAt < 0) {
      throw new IllegalArgumentException("docs have no heading '" + heading + "'");
    }
    int headerAt = -1;
    for (int i = headingAt + 1; i < lines.size(); i++) {
      if (lines.get(i).equals("ParameterDefaultDescription")) {
        headerAt = i;
        break;
      }
    }
    if (headerAt < 0) {
      throw new IllegalArgumentException("no table header after '" + heading + "'");
    }
    List<String> rows = new ArrayList<>();
    for (int i = headerAt + 1;
        i < lines.size()
            && !lines.get(i).isEmpty()
            && Character.isLowerCase(lines.get(i).charAt(0));
        i++) {
      rows.add(lines.get(i));
    }
    return rows;
  }

  /**
   * Differences between the docs table rows and the table entries of the TSV, in order: each docs
   * row must begin with exactly parameter + default of the TSV entry at the same position, followed
   * by a description starting with a capital letter (so "5" cannot pass for "50").
   */
  static List<String> docsTableMismatches(List<String> docsRows, List<Documented> tsv) {
    List<Documented> tableEntries = tsv.stream().filter(Documented::inTable).toList();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < Math.max(docsRows.size(), tableEntries.size()); i++) {
      if (i >= docsRows.size()) {
        problems.add("not in the docs table: " + tableEntries.get(i));
        continue;
      }
      if (i >= tableEntries.size()) {
        problems.add("docs row missing from documented-values.tsv: " + docsRows.get(i));
        continue;
      }
      if (!rowMatches(docsRows.get(i), tableEntries.get(i))) {
        problems.add(
            "docs row '" + docsRows.get(i) + "' does not start with " + tableEntries.get(i));
      }
    }
    return problems;
  }

  static boolean rowMatches(String docsRow, Documented entry) {
    String prefix = entry.parameter() + entry.defaultValue();
    return docsRow.startsWith(prefix)
        && docsRow.length() > prefix.length()
        && Character.isUpperCase(docsRow.charAt(prefix.length()));
  }

  /**
   * Parameter to default of the README's values table, in order, without the surrounding backticks.
   */
  static Map<String, String> readmeTable(String readme) {
    int start = readme.indexOf(README_TABLE_START);
    int end = readme.indexOf(README_TABLE_END);
    if (start < 0 || end < start) {
      throw new IllegalArgumentException(
          "README has no " + README_TABLE_START + " ... " + README_TABLE_END + " block");
    }
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : readme.substring(start + README_TABLE_START.length(), end).split("\n")) {
      line = line.strip();
      if (!line.startsWith("| `")) {
        continue; // header and separator rows
      }
      String[] cells = line.split("\\|");
      rows.put(unquote(cells[1].strip()), unquote(cells[2].strip()));
    }
    return rows;
  }

  /** The README rows a values tree calls for, for a failure message the author can paste. */
  static String readmeRowsFor(Map<String, String> defaults) {
    StringBuilder rows = new StringBuilder();
    defaults.forEach((parameter, value) ->
        rows.append("| `").append(parameter).append("` | `").append(value).append("` | |\n"));
    return rows.toString();
  }

  private static String unquote(String cell) {
    if (cell.length() >= 2 && cell.startsWith("`") && cell.endsWith("`")) {
      return cell.substring(1, cell.length() - 1);
    }
    throw new IllegalArgumentException("README values table: expected `...` cell, got " + cell);
  }
}
