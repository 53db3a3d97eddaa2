package io.clusteragent.helm.releases;

import io.clusteragent.helm.binary.HelmOutput;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Parses helm's {@code -o json} output; anything else means the binary is not the helm we ship. */
final class HelmJson {

  private final JsonMapper json;

  HelmJson(JsonMapper json) {
    this.json = json;
  }

  /** One JSON object ({@code helm status -o json}, {@code helm install -o json}). */
  JsonNode object(HelmOutput output) throws CommandException {
    JsonNode node = parse(output);
    if (node == null || !node.isObject()) {
      throw new CommandException(ErrorCode.INTERNAL, "helm printed JSON that is not an object");
    }
    return node;
  }

  JsonNode array(HelmOutput output) throws CommandException {
    JsonNode node = parse(output);
    if (node == null || node.isMissingNode() || node.isNull()) {
      return json.createArrayNode();
    }
    if (!node.isArray()) {
      throw new CommandException(ErrorCode.INTERNAL, "helm printed JSON that is not a list");
    }
    return node;
  }

  private JsonNode parse(HelmOutput output) throws CommandException {
    byte[] out = output.stdout();
    try {
      int start = documentStart(out);
      return json.readTree(out, start, out.length - start);
    } catch (JacksonException e) {
      throw new CommandException(ErrorCode.INTERNAL, "helm printed output that is not JSON", e);
    }
  }

  /**
   * Where the JSON starts: pulling an OCI chart, helm prints "Pulled: …" and "Digest: …" lines to
   * stdout ahead of the document it was asked for.
   */
  private static int documentStart(byte[] out) {
    int lineStart = 0;
    for (int i = 0; i < out.length; i++) {
      if (i == lineStart && (out[i] == '{' || out[i] == '[')) {
        return i;
      }
      if (out[i] == '\n') {
        lineStart = i + 1;
      }
    }
    return 0;
  }
}
