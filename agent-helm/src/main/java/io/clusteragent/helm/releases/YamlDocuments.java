package io.clusteragent.helm.releases;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * YAML the agent reads itself: values before helm gets them (so a typo is a BAD_REQUEST with a line
 * number, not helm's "error converting YAML to JSON") and rendered manifests for diffs. Plain data
 * only (no tags that build Java objects), with alias and size limits against "billion laughs"
 * documents.
 */
final class YamlDocuments {

  static final int MAX_VALUES_BYTES = 512 * 1024;

  private YamlDocuments() {}

  /** The values document must be empty or a mapping; returns it unchanged. */
  static String checkValues(String values) throws CommandException {
    if (values.length() > MAX_VALUES_BYTES) {
      throw new CommandException(
          ErrorCode.PAYLOAD_TOO_LARGE, "values must be at most " + MAX_VALUES_BYTES + " bytes");
    }
    Object document;
    try {
      document = yaml(values.length()).load(values);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark();
      String where =
          mark == null
              ? ""
              : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "values is not valid YAML" + where + ": " + e.getProblem());
    } catch (YAMLException e) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST, "values is not valid YAML: " + e.getMessage());
    }
    if (document != null && !(document instanceof Map)) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "values must be a YAML mapping (key: value), not a list or scalar");
    }
    return values;
  }

  /** Every non-empty document of a multi-document stream, as plain maps and lists. */
  static List<Object> loadAll(String text) throws CommandException {
    List<Object> documents = new ArrayList<>();
    try {
      for (Object document : yaml(text.length()).loadAll(text)) {
        if (document != null) {
          documents.add(document);
        }
      }
    } catch (YAMLException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "helm rendered a manifest that is not valid YAML: " + e.getMessage());
    }
    return documents;
  }

  private static Yaml yaml(int length) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50);
    options.setNestingDepthLimit(100);
    options.setAllowDuplicateKeys(false);
    options.setCodePointLimit(Math.max(length + 1, 1024));
    return new Yaml(new SafeConstructor(options));
  }
}
