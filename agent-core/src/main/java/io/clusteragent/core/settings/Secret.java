package io.clusteragent.core.settings;

import java.util.Objects;

/**
 * A credential that must never be printed. {@link #toString()} is redacted so a record holding it,
 * a log line or an error message cannot leak it by accident; only {@link #reveal()} gives the
 * value. The public String constructor lets Spring's binder convert settings into it without a
 * converter.
 */
public final class Secret {

  private static final String REDACTED = "<redacted>";
  private final String value;

  public Secret(String value) {
    this.value = value == null ? "" : value.strip();
  }

  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return isEmpty() ? "<empty>" : REDACTED;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other && value.equals(other.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value);
  }
}
