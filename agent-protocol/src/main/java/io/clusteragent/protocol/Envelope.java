package io.clusteragent.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A command as it travels from the platform. {@code deadline} is epoch milliseconds; {@code credit}
 * is the number of data frames a streaming command may send before it waits for a grant.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Envelope(
    Integer v,
    String id,
    String type,
    Long deadline,
    ActorBody actor,
    JsonNode payload,
    Integer credit) {

  public static final int VERSION = 1;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ActorBody(String user, List<String> groups) {}
}
