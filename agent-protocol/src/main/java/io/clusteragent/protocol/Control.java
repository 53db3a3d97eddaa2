package io.clusteragent.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A control message on {@link Subjects#control()}: {@code op} is {@code credit} (grant more
 * frames), {@code cancel} (stop a command or stream) or {@code sync} (the platform's live stream
 * ids). {@code at} (epoch ms) is when the platform sent it: a signed control message is only
 * accepted close to that time, so an old one cannot be replayed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Control(
    String op, String stream, Integer grant, String reason, List<String> live, Long at) {

  public static Control credit(String stream, int grant, long at) {
    return new Control("credit", stream, grant, null, null, at);
  }

  public static Control cancel(String stream, String reason, long at) {
    return new Control("cancel", stream, null, reason, null, at);
  }

  public static Control sync(List<String> live, long at) {
    return new Control("sync", null, null, null, live, at);
  }
}
