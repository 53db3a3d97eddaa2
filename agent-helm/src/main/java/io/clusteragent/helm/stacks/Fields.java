package io.clusteragent.helm.stacks;

import static io.clusteragent.helm.stacks.StackParser.badRequest;

import io.clusteragent.protocol.CommandException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * One node of a stack document with the path that leads to it ({@code addons[2].settings}), so
 * every error names the field the way the user wrote it. The protocol's {@code Payload} does the
 * same for flat command payloads; a stack is nested, so the path has to travel with the node.
 */
final class Fields {

  private final JsonNode node;
  private final String path;

  private Fields(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** A mapping whose keys are all in {@code allowed}. */
  static Fields of(JsonNode node, String path, Set<String> allowed) throws CommandException {
    return new Fields(node, path).fields(allowed);
  }

  /** This node, which must be a mapping whose keys are all in {@code allowed}. */
  Fields fields(Set<String> allowed) throws CommandException {
    mapping();
    List<String> unknown = new ArrayList<>();
    for (String key : node.propertyNames()) {
      if (!allowed.contains(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      String problem =
          unknown.size() == 1
              ? path(unknown.getFirst()) + " is not a known field"
              : (path.isEmpty() ? "the stack" : path) + " has unknown fields " + unknown;
      throw badRequest(
          problem + "; known here: " + allowed.stream().sorted().collect(Collectors.joining(", ")));
    }
    return this;
  }

  /** The mapping under {@code field}, whose keys are all in {@code allowed}. */
  Fields fields(String field, Set<String> allowed) throws CommandException {
    return child(field).fields(allowed);
  }

  /** The mapping under {@code field}, any keys. */
  Fields object(String field) throws CommandException {
    return child(field).mapping();
  }

  /** This node as a mapping with any keys; {@code expected} ends the message when it is not. */
  Fields lenientObject(String expected) throws CommandException {
    if (!node.isObject()) {
      throw badRequest(path + expected);
    }
    return this;
  }

  String path() {
    return path;
  }

  String path(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  Set<String> keys() {
    return new LinkedHashSet<>(node.propertyNames());
  }

  JsonNode node(String field) {
    return node.get(field);
  }

  boolean has(String field) {
    JsonNode value = node.get(field);
    return value != null && !value.isNull();
  }

  /** Present with something in it: {@code variables: {}} and {@code from_file: ""} are not. */
  boolean hasContent(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return false;
    }
    if (value.isString()) {
      return !value.asString().isEmpty();
    }
    return !value.isContainer() || !value.isEmpty();
  }

  String requiredText(String field) throws CommandException {
    return optionalText(field).orElseThrow(() -> badRequest(path(field) + " is required"));
  }

  Optional<String> optionalText(String field) throws CommandException {
    return has(field) ? Optional.of(child(field).text()) : Optional.empty();
  }

  /**
   * This node as text. YAML reads {@code chart_version: 2} and {@code name: 1.10} as numbers; they
   * are taken as written (the parser keeps decimals' digits), so nobody has to quote a version.
   */
  String text() throws CommandException {
    if (node.isString()) {
      return node.asString();
    }
    if (node.isIntegralNumber()) {
      return node.bigIntegerValue().toString();
    }
    if (node.isBigDecimal()) {
      return node.decimalValue().toPlainString();
    }
    throw badRequest(path + " must be a string");
  }

  OptionalInt optionalInt(String field) throws CommandException {
    if (!has(field)) {
      return OptionalInt.empty();
    }
    JsonNode value = node.get(field);
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw badRequest(path(field) + " must be an integer");
    }
    return OptionalInt.of(value.intValue());
  }

  Optional<Boolean> optionalBoolean(String field) throws CommandException {
    if (!has(field)) {
      return Optional.empty();
    }
    JsonNode value = node.get(field);
    if (!value.isBoolean()) {
      throw badRequest(path(field) + " must be true or false");
    }
    return Optional.of(value.booleanValue());
  }

  Optional<Engine> optionalEngine(String field) throws CommandException {
    Optional<String> value = optionalText(field);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        Engine.fromDocument(value.get())
            .orElseThrow(() ->
                badRequest(
                    path(field)
                        + " must be one of "
                        + Arrays.stream(Engine.values())
                            .map(Engine::documentName)
                            .collect(Collectors.joining(", "))
                        + ", got '"
                        + value.get()
                        + "'")));
  }

  /** The entries of the list under {@code field}; absent or null is an empty list. */
  List<Fields> list(String field) throws CommandException {
    if (!has(field)) {
      return List.of();
    }
    JsonNode value = node.get(field);
    if (!value.isArray()) {
      throw badRequest(path(field) + " must be a list");
    }
    List<Fields> entries = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      entries.add(new Fields(value.get(i), path(field) + "[" + i + "]"));
    }
    return entries;
  }

  private Fields child(String field) {
    return new Fields(node.get(field), path(field));
  }

  private Fields mapping() throws CommandException {
    if (node == null || !node.isObject()) {
      throw badRequest((path.isEmpty() ? "the stack" : path) + " must be a mapping");
    }
    return this;
  }
}
