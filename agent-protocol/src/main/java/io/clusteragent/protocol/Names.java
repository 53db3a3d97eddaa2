package io.clusteragent.protocol;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Kubernetes' and Helm's naming rules, the one place the agent checks a name before it goes into an
 * API server path or helm's argument list. Names are checked, never escaped: a value either is a
 * valid name, and so exactly one safe path segment or argument, or the request is refused with
 * {@code BAD_REQUEST} naming the field, the value and the rule, so the platform's user can fix it.
 */
public final class Names {

  /**
   * One naming rule: the pattern a whole value must match (length limits included), and the rule in
   * words for the error message.
   */
  public record Rule(Pattern pattern, String description) {

    public Rule {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(description, "description");
    }

    public boolean accepts(String value) {
      return value != null && pattern.matcher(value).matches();
    }

    /**
     * Returns {@code value} when it follows the rule.
     *
     * @param field the payload field, as the user wrote it
     * @param what what the value names ({@code "pod name"}, {@code "API version"}), for the message
     */
    public String check(String field, String what, String value) throws CommandException {
      if (value == null) {
        throw new CommandException(ErrorCode.BAD_REQUEST, field + " is required");
      }
      if (!accepts(value)) {
        String problem = "%s '%s' is not a valid %s: expected %s";
        throw new CommandException(
            ErrorCode.BAD_REQUEST, problem.formatted(field, shorten(value), what, description));
      }
      return value;
    }
  }

  /** RFC 1123 label: namespaces, versions, resource plurals, container names. */
  public static final Rule DNS_LABEL =
      new Rule(
          Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"),
          "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter"
              + " or digit, at most 63 characters)");

  /** RFC 1123 subdomain: API groups, pod names and most other object names. */
  public static final Rule DNS_SUBDOMAIN =
      new Rule(
          Pattern.compile(
              "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"),
          "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each dot-separated part"
              + " starting and ending with a letter or digit, at most 253 characters)");

  /**
   * Object names: a subdomain, or the wider set some kinds use (RBAC's {@code system:...}, mixed
   * case). Starting and ending with an alphanumeric rules out {@code .} and {@code ..}, and the
   * character set rules out {@code /}, {@code ?}, {@code %} and {@code #}, so a name is always
   * exactly one path segment.
   */
  public static final Rule OBJECT_NAME =
      new Rule(
          Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._:@-]{0,251}[A-Za-z0-9])?"),
          "an object name (letters, digits, '-', '.', '_', ':' and '@', starting and ending with a"
              + " letter or digit, at most 253 characters)");

  /**
   * Helm's own release name rule: a DNS-1123 subdomain of at most 53 characters, so the object
   * names charts derive from it (release name plus a suffix) still fit Kubernetes' 63.
   */
  public static final Rule HELM_RELEASE =
      new Rule(
          Pattern.compile(
              "(?=.{1,53}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"),
          "a Helm release name (lower-case letters, digits, '-' and '.', starting and ending with"
              + " a letter or digit, at most 53 characters)");

  private Names() {}

  /** Error messages quote the value; a long one is cut so the message stays readable. */
  static String shorten(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "…";
  }
}
