package io.clusteragent.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the fault and hostile-input tests did, recorded as they assert, for the build's one trust
 * summary line ({@link TrustSummary}). Each Maven module runs its tests in JVMs of its own, so the
 * records go to files: one per test JVM under the build-wide directory the build passes as {@value
 * #DIRECTORY_PROPERTY} (the root {@code target/trust/<build start>}, so a tally of an earlier build
 * is never counted). Without that property (a test run from an IDE) nothing is recorded.
 *
 * <p>Record the measured value before asserting on it: a test that fails then still leaves its
 * count, and the summary shows it.
 */
public final class TrustTally {

  /** The system property naming the build's tally directory. */
  public static final String DIRECTORY_PROPERTY = "trust.tally.dir";

  /** What a record counts; its name is the record's first field. */
  public enum Kind {
    FAULT_INJECTED,
    FAULT_SURVIVED,
    HOSTILE_INPUTS,
    MESSAGES_LOST,
    SECRETS_LEAKED,
    LEAKED_RESOURCES
  }

  private final Path file;

  private TrustTally(Path file) {
    this.file = file;
  }

  /** The tally of this build, or one that records nothing when the build named no directory. */
  public static TrustTally ofThisBuild() {
    String dir = System.getProperty(DIRECTORY_PROPERTY);
    if (dir == null || dir.isBlank()) {
      return new TrustTally(null);
    }
    return new TrustTally(Path.of(dir).resolve(ProcessHandle.current().pid() + ".tally"));
  }

  /** A tally writing to {@code directory}, for the summary's own tests. */
  public static TrustTally in(Path directory) {
    return new TrustTally(directory.resolve(ProcessHandle.current().pid() + ".tally"));
  }

  /**
   * A fault is about to be injected; call {@link #survived} with the returned name once the test
   * asserted that the agent came through it.
   */
  public String injected(String fault) {
    record(Kind.FAULT_INJECTED, 1, fault);
    return fault;
  }

  /** The agent came through {@code fault} (after every assertion about it passed). */
  public void survived(String fault) {
    record(Kind.FAULT_SURVIVED, 1, fault);
  }

  /**
   * {@code count} hostile inputs (malformed, forged, oversized ...) were sent by {@code source}.
   */
  public void hostileInputs(long count, String source) {
    record(Kind.HOSTILE_INPUTS, count, source);
  }

  /** Messages, frames or events that vanished without an explicit error (must be 0). */
  public void messagesLost(long count, String source) {
    record(Kind.MESSAGES_LOST, count, source);
  }

  /** Places a planted secret was found in (logs, replies, probes; must be 0). */
  public void secretsLeaked(long count, String source) {
    record(Kind.SECRETS_LEAKED, count, source);
  }

  /** Threads, subscriptions, streams or sockets left behind after the test's work (must be 0). */
  public void leaked(long count, String source) {
    record(Kind.LEAKED_RESOURCES, count, source);
  }

  private void record(Kind kind, long count, String name) {
    if (count < 0) {
      throw new IllegalArgumentException(kind + " count below zero: " + count);
    }
    if (file == null) {
      return;
    }
    String line = kind + "\t" + count + "\t" + name.replaceAll("[\\t\\r\\n]+", " ") + "\n";
    try {
      Files.createDirectories(file.getParent());
      // one append per record: lines of several threads never interleave within a line
      Files.writeString(
          file,
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record to the trust tally " + file, e);
    }
  }
}
