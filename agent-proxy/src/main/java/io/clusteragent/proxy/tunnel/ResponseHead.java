package io.clusteragent.proxy.tunnel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The API server's status line and headers, sent as the first data frame of a tunnel stream (JSON);
 * the body follows as raw bytes. Framing headers are left out: the gateway frames the body itself.
 */
public record ResponseHead(int status, Map<String, List<String>> headers) {

  private static final Set<String> FRAMING =
      Set.of("content-length", "transfer-encoding", "keep-alive", "proxy-connection", "trailer");

  /**
   * On a switch of protocols the client needs Connection and Upgrade; otherwise they are
   * hop-by-hop.
   */
  private static final Set<String> HOP = Set.of("connection", "upgrade");

  public static ResponseHead of(int status, Map<String, List<String>> raw) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    raw.forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (!FRAMING.contains(lower) && (status == 101 || !HOP.contains(lower))) {
        kept.put(name, List.copyOf(values));
      }
    });
    return new ResponseHead(status, kept);
  }
}
