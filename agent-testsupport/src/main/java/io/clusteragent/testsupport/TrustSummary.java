package io.clusteragent.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The build's trust line, summed from every test JVM's {@link TrustTally} file: faults injected and
 * survived, hostile inputs tried, messages lost, secrets leaked, leaked threads/subscriptions. The
 * last module's build runs {@link #main}, which prints the line and fails the build when anything
 * was lost or leaked or a fault was not survived.
 *
 * @param totals each kind's sum
 * @param notSurvived faults injected more often than survived, with how many times
 * @param culprits the sources of non-zero lost, leaked and secret counts, with their counts
 * @param files how many tally files (test JVMs that recorded) were read
 */
public record TrustSummary(
    Map<TrustTally.Kind, Long> totals,
    Map<String, Long> notSurvived,
    List<String> culprits,
    int files) {

  /** Sums every {@code *.tally} file in {@code directory}; no directory means nothing recorded. */
  public static TrustSummary read(Path directory) {
    Map<TrustTally.Kind, Long> totals = new EnumMap<>(TrustTally.Kind.class);
    for (TrustTally.Kind kind : TrustTally.Kind.values()) {
      totals.put(kind, 0L);
    }
    Map<String, Long> open = new TreeMap<>();
    List<String> culprits = new ArrayList<>();
    List<Path> tallies = tallies(directory);
    for (Path file : tallies) {
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String line : lines) {
        if (line.isBlank()) {
          continue;
        }
        String[] fields = line.split("\t", 3);
        if (fields.length != 3) {
          throw new IllegalStateException("unreadable trust tally line in " + file + ": " + line);
        }
        TrustTally.Kind kind = TrustTally.Kind.valueOf(fields[0]);
        long count = Long.parseLong(fields[1]);
        String name = fields[2];
        totals.merge(kind, count, Long::sum);
        switch (kind) {
          case FAULT_INJECTED -> open.merge(name, count, Long::sum);
          case FAULT_SURVIVED -> open.merge(name, -count, Long::sum);
          case MESSAGES_LOST, SECRETS_LEAKED, LEAKED_RESOURCES -> {
            if (count > 0) {
              culprits.add(kind.name().toLowerCase(Locale.ROOT) + " " + count + ": " + name);
            }
          }
          case HOSTILE_INPUTS -> {
            // counted in the totals only
          }
        }
      }
    }
    open.values().removeIf(n -> n <= 0);
    return new TrustSummary(totals, open, culprits, tallies.size());
  }

  private static List<Path> tallies(Path directory) {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tally")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long total(TrustTally.Kind kind) {
    return totals.getOrDefault(kind, 0L);
  }

  /** Nothing lost, nothing leaked, and every injected fault survived. */
  public boolean trustworthy() {
    return total(TrustTally.Kind.MESSAGES_LOST) == 0
        && total(TrustTally.Kind.SECRETS_LEAKED) == 0
        && total(TrustTally.Kind.LEAKED_RESOURCES) == 0
        && notSurvived.isEmpty();
  }

  /** The one line the build prints. */
  public String line() {
    return String.format(
        Locale.ROOT,
        "trust: %,d faults injected, %,d survived; %,d hostile inputs; %,d messages lost;"
            + " %,d secrets leaked; %,d leaked threads/subscriptions",
        total(TrustTally.Kind.FAULT_INJECTED),
        total(TrustTally.Kind.FAULT_SURVIVED),
        total(TrustTally.Kind.HOSTILE_INPUTS),
        total(TrustTally.Kind.MESSAGES_LOST),
        total(TrustTally.Kind.SECRETS_LEAKED),
        total(TrustTally.Kind.LEAKED_RESOURCES));
  }

  /** Why the build fails, or an empty list. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>(culprits);
    notSurvived.forEach((fault, times) -> problems.add("fault not survived: " + fault));
    return problems;
  }

  /**
   * Prints the line for the tally directory {@code args[0]} and throws (failing the Maven build
   * that runs it) when the summary is not {@link #trustworthy()}. Earlier builds' directories
   * beside it are removed: they are never counted.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: TrustSummary <tally directory>");
    }
    Path directory = Path.of(args[0]).toAbsolutePath();
    TrustSummary summary = read(directory);
    removeEarlierBuilds(directory);
    System.out.println(summary.line() + " (" + summary.files() + " test JVMs recorded)");
    if (!summary.trustworthy()) {
      summary.problems().forEach(p -> System.out.println("trust: " + p));
      throw new IllegalStateException("the trust summary is not clean: " + summary.problems());
    }
  }

  private static void removeEarlierBuilds(Path directory) throws IOException {
    Path parent = directory.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return;
    }
    try (Stream<Path> builds = Files.list(parent)) {
      for (Path earlier : builds.filter(p -> !p.equals(directory)).toList()) {
        try (Stream<Path> tree = Files.walk(earlier)) {
          for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }
}
