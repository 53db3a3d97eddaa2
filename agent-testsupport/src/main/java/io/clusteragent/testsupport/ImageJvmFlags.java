package io.clusteragent.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The image's JVM flags ({@code deploy/jvm.options}) for an agent process started from a build:
 * tests and benchmarks then run the packaged jar in the mode production runs it (Spring AOT, the
 * collector, the caps). The image's read-only-root settings are left out: their paths are the
 * image's.
 */
public final class ImageJvmFlags {

  private ImageJvmFlags() {}

  /**
   * The flags in the file's order, for a process on this JVM's {@code java}; {@code repo} is the
   * repository's root.
   */
  public static List<String> read(Path repo) throws IOException {
    return Files.readAllLines(repo.resolve("deploy/jvm.options")).stream()
        .map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .filter(line -> !line.contains("ErrorFile") && !line.contains("java.io.tmpdir"))
        // a JDK 25 flag (the image's JDK); a build on JDK 21 would not start the agent at all
        .filter(line -> Runtime.version().feature() >= 25 || !line.contains("CompactObjectHeaders"))
        .toList();
  }
}
