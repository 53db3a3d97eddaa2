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

  JsonNode array(HelmOutput output) throws CommandException {
    JsonNode node;
    try {
      node = json.readTree(output.stdout());
    } catch (JacksonException e) {
      throw new CommandException(ErrorCode.INTERNAL, "helm printed output that is not JSON", e);
    }
    if (node == null || node.isMissingNode() || node.isNull()) {
      return json.createArrayNode();
    }
    if (!node.isArray()) {
      throw new CommandException(ErrorCode.INTERNAL, "helm printed JSON that is not a list");
    }
    return node;
  }
}
