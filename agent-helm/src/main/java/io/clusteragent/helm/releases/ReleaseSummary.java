package io.clusteragent.helm.releases;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The few fields of helm's release JSON a person acts on. helm's full document also carries the
 * chart's templates, its default values and the rendered manifest (Secrets included), which the
 * platform asks for separately when it wants them.
 */
final class ReleaseSummary {

  private ReleaseSummary() {}

  static ObjectNode of(JsonMapper json, JsonNode release) {
    JsonNode info = release.path("info");
    JsonNode chart = release.path("chart").path("metadata");
    ObjectNode summary = json.createObjectNode();
    summary.put("namespace", release.path("namespace").asString(""));
    summary.put("release", release.path("name").asString(""));
    summary.put("revision", release.path("version").asInt(0));
    summary.put("status", info.path("status").asString("unknown"));
    summary.put("description", info.path("description").asString(""));
    summary.put("chart", chart.path("name").asString(""));
    summary.put("chartVersion", chart.path("version").asString(""));
    summary.put("appVersion", chart.path("appVersion").asString(""));
    summary.put("firstDeployed", info.path("first_deployed").asString(""));
    summary.put("lastDeployed", info.path("last_deployed").asString(""));
    summary.put("notes", info.path("notes").asString(""));
    return summary;
  }
}
