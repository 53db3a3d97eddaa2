package io.clusteragent.helm.releases;

import io.clusteragent.helm.yaml.YamlText;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * YAML the release commands read themselves: values before helm gets them (so a typo is a
 * BAD_REQUEST with a line number, not helm's "error converting YAML to JSON") and rendered
 * manifests for diffs.
 */
final class YamlDocuments {

  static final int MAX_VALUES_BYTES = 512 * 1024;

  private static final YamlText YAML = new YamlText();

  private YamlDocuments() {}

  /** The values document must be empty or a mapping; returns it unchanged. */
  static String checkValues(String values) throws CommandException {
    if (values.length() > MAX_VALUES_BYTES) {
      throw new CommandException(
          ErrorCode.PAYLOAD_TOO_LARGE, "values must be at most " + MAX_VALUES_BYTES + " bytes");
    }
    List<JsonNode> documents = YAML.read("values", values, YamlText.Aliases.ALLOW);
    if (documents.size() > 1) {
      throw new CommandException(ErrorCode.BAD_REQUEST, "values must be one YAML document");
    }
    if (!documents.isEmpty()
        && !documents.getFirst().isNull()
        && !documents.getFirst().isObject()) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "values must be a YAML mapping (key: value), not a list or scalar");
    }
    return values;
  }

  /** Every non-empty document of a rendered manifest. */
  static List<JsonNode> loadAll(String text) throws CommandException {
    try {
      return YAML.read("manifest", text, YamlText.Aliases.ALLOW).stream()
          .filter(d -> !d.isNull())
          .toList();
    } catch (CommandException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "helm rendered a manifest the agent cannot read: " + e.getMessage());
    }
  }
}
