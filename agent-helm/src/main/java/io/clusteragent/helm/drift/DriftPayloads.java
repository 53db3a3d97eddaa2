package io.clusteragent.helm.drift;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import io.clusteragent.protocol.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Reads and checks the payloads of {@code helm.releases.drift} and {@code helm.releases.prune}. */
final class DriftPayloads {

  private static final Set<String> DRIFT_FIELDS = Set.of("namespace", "release", "ignore");
  private static final Set<String> RULE_FIELDS = Set.of("kind", "name", "jsonPointers");
  private static final Set<String> PRUNE_FIELDS = Set.of("namespace", "release", "dryRun");

  static final int MAX_RULES = 100;
  static final int MAX_POINTERS = 100;
  static final int MAX_POINTER_CHARS = 1024;

  private static final Pattern KIND = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,62}");

  /** RFC 6901: "/" then segments in which "~" is only ever "~0" or "~1". */
  private static final Pattern POINTER = Pattern.compile("(/([^~/]|~[01])*)+");

  record Drift(String namespace, String release, List<IgnoreRule> ignore) {}

  record Prune(String namespace, String release, boolean dryRun) {}

  private DriftPayloads() {}

  static Drift drift(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, DRIFT_FIELDS);
    List<IgnoreRule> ignore = new ArrayList<>();
    JsonNode rules = payload == null ? null : payload.get("ignore");
    if (rules != null && !rules.isNull()) {
      if (!rules.isArray() || rules.size() > MAX_RULES) {
        throw badRequest("ignore must be a list of at most " + MAX_RULES + " rules");
      }
      for (int i = 0; i < rules.size(); i++) {
        ignore.add(rule("ignore[" + i + "]", rules.get(i)));
      }
    }
    return new Drift(namespace(p), release(p), ignore);
  }

  static Prune prune(JsonNode payload) throws CommandException {
    Payload p = Payload.of(payload, PRUNE_FIELDS);
    return new Prune(namespace(p), release(p), p.optionalBoolean("dryRun").orElse(false));
  }

  private static IgnoreRule rule(String at, JsonNode node) throws CommandException {
    if (node == null || !node.isObject()) {
      throw badRequest(at + " must be an object {kind?, name?, jsonPointers}");
    }
    Payload rule;
    try {
      rule = Payload.of(node, RULE_FIELDS);
    } catch (CommandException e) {
      throw badRequest(at + ": " + e.getMessage());
    }
    Optional<String> kind = rule.optionalString("kind");
    if (kind.isPresent() && !KIND.matcher(kind.get()).matches()) {
      throw badRequest(at + ".kind must be a kind name such as Deployment");
    }
    Optional<String> name = rule.optionalString("name", Names.OBJECT_NAME, at + ".name");
    JsonNode pointers = node.get("jsonPointers");
    if (pointers == null || !pointers.isArray() || pointers.isEmpty()) {
      throw badRequest(at + ".jsonPointers must be a non-empty list of JSON pointers");
    }
    if (pointers.size() > MAX_POINTERS) {
      throw badRequest(at + ".jsonPointers may hold at most " + MAX_POINTERS + " pointers");
    }
    List<String> checked = new ArrayList<>();
    for (JsonNode pointer : pointers) {
      if (!pointer.isString()
          || pointer.asString().length() > MAX_POINTER_CHARS
          || !POINTER.matcher(pointer.asString()).matches()) {
        throw badRequest(
            at
                + ".jsonPointers: each must be a JSON pointer (RFC 6901) such as /spec/replicas, at"
                + " most "
                + MAX_POINTER_CHARS
                + " characters");
      }
      checked.add(pointer.asString());
    }
    return new IgnoreRule(kind, name, checked);
  }

  private static String namespace(Payload p) throws CommandException {
    return p.requiredString("namespace", Names.DNS_LABEL, "namespace");
  }

  private static String release(Payload p) throws CommandException {
    return p.requiredString("release", Names.HELM_RELEASE, "release name");
  }

  private static CommandException badRequest(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }
}
