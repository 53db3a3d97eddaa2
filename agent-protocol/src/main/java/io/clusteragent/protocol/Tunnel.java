package io.clusteragent.protocol;

import java.util.Collection;

/**
 * The kubectl tunnel's two command types and which one a request needs: requests that end by
 * themselves go as {@link #REQUEST}; watches, followed logs and upgraded connections (exec, attach,
 * port-forward) as {@link #STREAM}, counted against the agent's stream limit.
 */
public final class Tunnel {

  public static final String REQUEST = "kube.request";
  public static final String STREAM = "kube.stream";

  private Tunnel() {}

  /** {@code headerNames}: the request's header names; {@code query}: its raw query string. */
  public static boolean longLived(String query, Collection<String> headerNames) {
    String q = "&" + (query == null ? "" : query) + "&";
    return headerNames.stream().anyMatch(name -> name.equalsIgnoreCase("upgrade"))
        || q.contains("&watch=true&")
        || q.contains("&watch=1&")
        || q.contains("&follow=true&")
        || q.contains("&follow=1&");
  }
}
