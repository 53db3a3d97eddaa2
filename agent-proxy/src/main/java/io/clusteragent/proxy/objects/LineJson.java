package io.clusteragent.proxy.objects;

import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON mapper for output written one value per line (list items, watch events): root values are
 * separated by nothing, the writer puts the line break itself, so a line is exactly one value.
 */
public final class LineJson {

  public static final JsonMapper MAPPER =
      JsonMapper.builder(JsonFactory.builder().rootValueSeparator("").build()).build();

  private LineJson() {}
}
