package io.clusteragent.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Typed, validated access to a command's JSON payload. Every problem becomes {@code BAD_REQUEST}
 * naming the field, so the platform's user can fix the request without reading agent logs. Names
 * are checked by the {@link Names} rules.
 */
public final class Payload {

  private final JsonNode payload;

  private Payload(JsonNode payload) {
    this.payload = payload;
  }

  /**
   * Wraps a payload that must be an object (or absent) whose fields are all in {@code allowed}. An
   * unknown field is refused rather than ignored: a misspelt optional field would otherwise
   * silently fall back to its default.
   */
  public static Payload of(JsonNode payload, Set<String> allowed) throws CommandException {
    if (payload == null || payload.isNull() || payload.isMissingNode()) {
      return new Payload(JsonNodeFactory.instance.objectNode());
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
      throw badRequest(
          "unknown payload field(s) "
              + unknown
              + "; allowed: "
              + allowed.stream().sorted().toList());
    }
    return new Payload(payload);
  }

  /** A string that must be present. */
  public String requiredString(String field) throws CommandException {
    return optionalString(field).orElseThrow(() -> badRequest(field + " is required"));
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

  /**
   * A string that must be present and follow {@code rule}; {@code what} names it in the error
   * message ({@code "pod name"}).
   */
  public String requiredString(String field, Names.Rule rule, String what) throws CommandException {
    return rule.check(field, what, requiredString(field));
  }

  /** Like {@link #requiredString(String, Names.Rule, String)}, but the field may be absent. */
  public Optional<String> optionalString(String field, Names.Rule rule, String what)
      throws CommandException {
    Optional<String> value = optionalString(field);
    if (value.isPresent()) {
      rule.check(field, what, value.get());
    }
    return value;
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

  public OptionalInt optionalInt(String field, int min) throws CommandException {
    JsonNode node = payload.get(field);
    if (node == null || node.isNull()) {
      return OptionalInt.empty();
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min) {
      throw badRequest(field + " must be an integer from " + min + " to " + Integer.MAX_VALUE);
    }
    return OptionalInt.of(node.intValue());
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

  /**
   * A nested object whose fields are all in {@code allowed} ({@code auth: {username, password}}),
   * empty when absent; its errors name the field they are in.
   */
  public Optional<Payload> optionalObject(String field, Set<String> allowed)
      throws CommandException {
    JsonNode node = payload.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isObject()) {
      throw badRequest(field + " must be a JSON object");
    }
    try {
      return Optional.of(of(node, allowed));
    } catch (CommandException e) {
      throw badRequest(field + ": " + e.getMessage());
    }
  }

  private static CommandException badRequest(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
