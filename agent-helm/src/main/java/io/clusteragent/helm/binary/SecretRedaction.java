package io.clusteragent.helm.binary;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from helm's stderr before it leaves the agent: client-go and helm can echo
 * request headers, kubeconfig fields or URLs with user info when they fail.
 */
public final class SecretRedaction {

  static final String REDACTED = "[REDACTED]";

  private static final List<Pattern> VALUE_AFTER_PREFIX =
      List.of(
          // "Authorization: Bearer abc", "bearer abc"
          Pattern.compile("(?i)(bearer\\s+)[^\\s\"',;]+"),
          // a base64 token, not a word: "basic credential not found" must stay readable
          Pattern.compile(
              "(?i)(basic\\s+)(?:(?=[A-Za-z]*[0-9+/=])[A-Za-z0-9+/=]{8,}|[A-Za-z0-9+/=]{20,})"),
          // password=..., "token": "...", client-key-data: ..., --kube-token=...
          Pattern.compile(
              "(?i)((?:password|passwd|pwd|token|secret|client-key-data|client-certificate-data|api[-_]?key|authorization)[\"']?\\s*[:=]\\s*[\"']?)[^\\s\"',;}&]+"),
          // scheme://user:password@host
          Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/\\s:@]+:[^/\\s@]+(?=@)"));

  // A JSON Web Token anywhere (service-account tokens are JWTs), whatever precedes it.
  private static final Pattern JWT =
      Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");

  private SecretRedaction() {}

  public static String redact(String text) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    String out = JWT.matcher(text).replaceAll(REDACTED);
    for (Pattern pattern : VALUE_AFTER_PREFIX) {
      out = pattern.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    }
    return out;
  }
}
