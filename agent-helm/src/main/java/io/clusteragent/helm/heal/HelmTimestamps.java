package io.clusteragent.helm.heal;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two ways helm prints a release's time: {@code helm history -o json} writes RFC 3339 ({@code
 * 2026-01-02T03:04:05.123456789Z}), {@code helm list -o json} writes Go's default {@code time.Time}
 * text ({@code 2026-01-02 03:04:05.123456789 +0000 UTC}).
 */
final class HelmTimestamps {

  /** Date, time and numeric offset of Go's text; the zone abbreviation after it is redundant. */
  private static final Pattern GO_TEXT =
      Pattern.compile(
          "^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?) ([+-]\\d{4})\\b.*");

  private static final DateTimeFormatter GO_FORMAT =
      new DateTimeFormatterBuilder()
          .appendPattern("yyyy-MM-dd HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
          .optionalEnd()
          .appendLiteral(' ')
          .appendOffset("+HHMM", "+0000")
          .toFormatter();

  private HelmTimestamps() {}

  static Optional<Instant> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      Matcher go = GO_TEXT.matcher(text.strip());
      if (go.matches()) {
        return Optional.of(
            OffsetDateTime.parse(go.group(1) + " " + go.group(2), GO_FORMAT).toInstant());
      }
      return Optional.of(OffsetDateTime.parse(text.strip()).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
