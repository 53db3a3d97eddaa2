package io.clusteragent.helm.upgrade;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chart version as SemVer 2 orders it ({@code 2.1.1250}, {@code 2.2.0-rc.1}), enough to tell an
 * upgrade from a downgrade; build metadata ({@code +abc}) does not order.
 */
record ChartVersion(long major, long minor, long patch, String preRelease)
    implements Comparable<ChartVersion> {

  private static final Pattern SEMVER =
      Pattern.compile(
          "v?(\\d{1,9})\\.(\\d{1,9})\\.(\\d{1,9})(?:-([0-9A-Za-z.-]+))?(?:\\+[0-9A-Za-z.-]+)?");

  static ChartVersion parse(String field, String text) throws CommandException {
    Matcher m = SEMVER.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          field + " must be an exact chart version such as 2.1.1250, got '" + text + "'");
    }
    return new ChartVersion(
        Long.parseLong(m.group(1)),
        Long.parseLong(m.group(2)),
        Long.parseLong(m.group(3)),
        m.group(4) == null ? "" : m.group(4));
  }

  @Override
  public int compareTo(ChartVersion other) {
    int c = Long.compare(major, other.major);
    if (c == 0) {
      c = Long.compare(minor, other.minor);
    }
    if (c == 0) {
      c = Long.compare(patch, other.patch);
    }
    if (c != 0) {
      return c;
    }
    // a release ranks above its pre-releases
    if (preRelease.isEmpty() || other.preRelease.isEmpty()) {
      return Boolean.compare(preRelease.isEmpty(), other.preRelease.isEmpty());
    }
    String[] a = preRelease.split("\\.");
    String[] b = other.preRelease.split("\\.");
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      boolean na = a[i].matches("\\d+");
      boolean nb = b[i].matches("\\d+");
      int part =
          na && nb
              ? Long.compare(Long.parseLong(a[i]), Long.parseLong(b[i]))
              : na ? -1 : nb ? 1 : a[i].compareTo(b[i]);
      if (part != 0) {
        return part;
      }
    }
    return Integer.compare(a.length, b.length);
  }
}
