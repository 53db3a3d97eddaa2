package io.clusteragent.cli;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A whole {@code resources.list} as the platform received it: the list's head (kind, apiVersion,
 * metadata; for a table its columns), every item (or table row) in the server's order, and the end
 * frame's summary ({@code items}, {@code pages}, {@code resourceVersion}, {@code continue}?).
 */
public record ResourceList(JsonNode head, List<JsonNode> items, JsonNode summary) {

  /** The list's resourceVersion: where a watch continues from. */
  public String resourceVersion() {
    return summary.path("resourceVersion").asString("");
  }
}
