package io.clusteragent.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A control message on {@link Subjects#control()}: {@code op} is {@code credit} (grant more frames),
 * {@code cancel} (stop a command or stream) or {@code sync} (the platform's live stream ids).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Control(String op, String stream, Integer grant, String reason, List<String> live) {

  public static Control credit(String stream, int grant) {
    return new Control("credit", stream, grant, null, null);
  }

  public static Control cancel(String stream, String reason) {
    return new Control("cancel", stream, null, reason, null);
  }

  public static Control sync(List<String> live) {
    return new Control("sync", null, null, null, live);
  }
}
