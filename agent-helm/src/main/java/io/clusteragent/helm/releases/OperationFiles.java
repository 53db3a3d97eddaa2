package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A private directory for one helm operation: values, credentials and uploaded charts go into files
 * here (owner-only), never onto helm's command line where any process could read them, and the
 * directory is removed when the operation ends, whatever the outcome.
 */
final class OperationFiles implements AutoCloseable {

  private final Path dir;

  private OperationFiles(Path dir) {
    this.dir = dir;
  }

  static OperationFiles create(Path root) throws CommandException {
    try {
      Files.createDirectories(root);
      Path dir =
          Files.createDirectory(
              root.resolve(UUID.randomUUID().toString()),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      return new OperationFiles(dir);
    } catch (IOException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "cannot create the operation's work directory: " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  /**
   * Writes {@code content} to a new owner-only file {@code name} (a path below the directory);
   * returns its path.
   */
  Path write(String name, byte[] content) throws CommandException {
    Path file = dir.resolve(name).normalize();
    if (!file.startsWith(dir) || file.equals(dir)) {
      throw new CommandException(ErrorCode.INTERNAL, "refusing to write outside the work dir");
    }
    try {
      Files.createDirectories(file.getParent());
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(file, content, StandardOpenOption.TRUNCATE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "cannot write " + name + " for helm: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(OperationFiles::delete);
    } catch (IOException | UncheckedIOException e) {
      // Nothing to answer with here; the next start's temp dir is fresh in the image anyway.
    }
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
