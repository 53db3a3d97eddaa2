package io.clusteragent.protocol;



import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Typed, validated access to a command's JSON payload. Every problem becomes {@code BAD_REQUEST}
 * naming the field, so the platform's user can fix the request without reading agent logs.
 */
public final class Payload {

  /** RFC 1123 label: namespaces, versions, resource plurals, container names. */
  public static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** RFC 1123 subdomain: API groups, most object names. */
  public static final Pattern DNS_SUBDOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /**
   * Object names: a subdomain, or the wider set some kinds use (RBAC's {@code system:...},
   * mixed case). Starting and ending with an alphanumeric rules out {@code .} and {@code ..}, and
   * the character set rules out {@code /}, {@code ?}, {@code %} and {@code #}, so a name is always
   * exactly one path segment.
   */
  public static final Pattern OBJECT_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._:@-]{0,251}[A-Za-z0-9])?");

  private final JsonNode payload;

  private Payload(JsonNode payload) {
    this.payload = payload;
  }

  /** Wraps a payload that must be an object (or absent) whose fields are all in {@code allowed}. */
  public static Payload of(JsonNode payload, Set<String> allowed) throws CommandException {
    if (payload == null || payload.isNull() || payload.isMissingNode()) {
      return new Payload(tools.jackson.databind.node.JsonNodeFactory.instance.objectNode());
    }
    if (!payload.isObject()) {
      throw badRequest("payload must be a JSON object");
    }
    List<String> unknown = new ArrayList<>();
    for (String field : payload.propertyNames()) {
      if (!allowed.contains(field)) {
        unknown.add(field);
      }
    }
    if (!unknown.isEmpty()) {
      throw badRequest("unknown payload field(s) " + unknown + "; allowed: " + allowed.stream().sorted().toList());
    }
    return new Payload(payload);
  }

  public String requiredString(String field, Pattern rule, String ruleName) throws CommandException {
    return optionalString(field, rule, ruleName).orElseThrow(() -> badRequest(field + " is required"));
  }

  public Optional<String> optionalString(String field, Pattern rule, String ruleName) throws CommandException {
    Optional<String> value = optionalString(field);
    if (value.isPresent() && rule != null && !rule.matcher(value.get()).matches()) {
      throw badRequest(field + " '" + shorten(value.get()) + "' is not a valid " + ruleName);
    }
    return value;
  }

  /** A string passed on as-is (selectors, continue tokens): the HTTP client encodes it. */
  public Optional<String> optionalString(String field) throws CommandException {
    JsonNode node = payload.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isString()) {
      throw badRequest(field + " must be a string");
    }
    return Optional.of(node.asString());
  }

  public OptionalLong optionalLong(String field, long min) throws CommandException {
    JsonNode node = payload.get(field);
    if (node == null || node.isNull()) {
      return OptionalLong.empty();
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min) {
      throw badRequest(field + " must be an integer >= " + min);
    }
    return OptionalLong.of(node.longValue());
  }

  public Optional<Boolean> optionalBoolean(String field) throws CommandException {
    JsonNode node = payload.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isBoolean()) {
      throw badRequest(field + " must be true or false");
    }
    return Optional.of(node.booleanValue());
  }

  private static CommandException badRequest(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }

  private static String shorten(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "…";
  }
}
