package io.clusteragent.protocol;

import java.util.regex.Pattern;

/**
 * Text about connections that may be printed: URLs lose their credentials ({@code
 * nats://user:pass@host}).
 */
public final class Redaction {

  private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@\\s]+@");

  private Redaction() {}

  /** {@code text} with the user-info part of every URL in it replaced by {@code ***}. */
  public static String urls(String text) {
    return text == null ? null : USER_INFO.matcher(text).replaceAll("***@");
  }
}
