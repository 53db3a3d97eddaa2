package io.clusteragent.cli;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the platform side. Immutable, so sharing it is safe. */
final class WireJson {

  /** Lenient on unknown fields: a newer agent may add fields the platform does not know yet. */
  static final JsonMapper MAPPER =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private WireJson() {}
}
