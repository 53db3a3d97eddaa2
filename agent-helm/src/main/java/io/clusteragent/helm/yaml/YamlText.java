package io.clusteragent.helm.yaml;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.node.NullNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * The one way agent-helm reads YAML (stack documents, values before helm gets them, rendered
 * manifests for diffs) into the same {@link JsonNode} trees payloads use. Plain data only, with a
 * nesting limit, duplicate keys refused, and numbers kept as written ({@code 1.10} stays 1.10).
 */
public final class YamlText {

  /** Whether a YAML alias ({@code *name}) may stand in the text; see {@link #read}. */
  public enum Aliases {
    REFUSE,
    ALLOW
  }

  private final YAMLMapper yaml;

  public YamlText() {
    YAMLFactory factory =
        YAMLFactory.builder()
            // values are data, not code: deep nesting only costs the agent stack and memory
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // values turned back into text are a document of their own, not one of a stream
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .build();
    this.yaml =
        YAMLMapper.builder(factory)
            // 1.10 read as a double would become "1.1"; as a BigDecimal it keeps its digits
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            // documents are read one at a time from one parser (read)
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
  }

  /**
   * Every YAML document in {@code text}, an empty one as a null node. Jackson reads an alias as the
   * string {@code "name"}, not as the value it points to, so text the agent interprets itself must
   * be read with {@link Aliases#REFUSE}; helm resolves aliases in values itself.
   *
   * @param path names the text in error messages ({@code addons[1].configuration.values})
   * @throws CommandException BAD_REQUEST naming the path, line and column
   */
  public List<JsonNode> read(String path, String text, Aliases aliases) throws CommandException {
    try {
      if (aliases == Aliases.REFUSE) {
        refuseAliases(path, text);
      }
      return readTrees(text);
    } catch (JacksonException e) {
      TokenStreamLocation at = e.getLocation();
      String where =
          at == null || at.getLineNr() < 1
              ? ""
              : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          path + " is not valid YAML" + where + ": " + e.getOriginalMessage(),
          e);
    }
  }

  /** A tree as a YAML document (no leading {@code ---}). */
  public String write(JsonNode value) {
    return yaml.writeValueAsString(value);
  }

  private void refuseAliases(String path, String text) throws CommandException {
    try (JsonParser parser = yaml.createParser(text)) {
      while (parser.nextToken() != null) {
        if (parser instanceof YAMLParser p && p.isCurrentAlias()) {
          TokenStreamLocation at = parser.currentTokenLocation();
          throw new CommandException(
              ErrorCode.BAD_REQUEST,
              path
                  + " uses a YAML alias (line "
                  + at.getLineNr()
                  + ", column "
                  + at.getColumnNr()
                  + "), which the agent does not resolve; write the value out in full");
        }
      }
    }
  }

  // Read value by value: an iterator over values would unwrap a top-level list into its items.
  private List<JsonNode> readTrees(String text) {
    List<JsonNode> documents = new ArrayList<>();
    try (JsonParser parser = yaml.createParser(text)) {
      while (parser.nextToken() != null) {
        JsonNode document = yaml.readTree(parser);
        boolean empty =
            document == null
                || document.isMissingNode()
                || (document.isString() && document.asString().isEmpty());
        documents.add(empty ? NullNode.getInstance() : document);
      }
    }
    return documents;
  }
}
