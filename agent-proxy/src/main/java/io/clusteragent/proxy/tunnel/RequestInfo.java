package io.clusteragent.proxy.tunnel;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a tunnelled request does, read from its method, path and query the way the API server reads
 * them for RBAC: the verb ({@code get}, {@code list}, {@code watch}, {@code create}, {@code
 * update}, {@code patch}, {@code delete}, {@code deletecollection}), and the resource, namespace
 * and name it addresses. For the audit line and the metrics: people ask "who deleted what", not
 * "who sent DELETE to which path". Paths that address no resource (discovery, OpenAPI, /version)
 * have the verb of their method in lower case and no resource.
 */
record RequestInfo(String verb, String resource, String namespace, String name) {

  static RequestInfo of(String method, String path, String query) {
    List<String> parts = Arrays.stream(path.split("/")).filter(part -> !part.isEmpty()).toList();
    // /api/v1/... or /apis/<group>/<version>/...
    int at;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      at = 2;
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      at = 3;
    } else {
      return new RequestInfo(method.toLowerCase(Locale.ROOT), "", "", "");
    }
    List<String> rest = parts.subList(at, parts.size());
    String namespace = "";
    if (rest.size() >= 2 && rest.get(0).equals("namespaces")) {
      namespace = rest.get(1);
      rest = rest.size() == 2 ? List.of("namespaces", namespace) : rest.subList(2, rest.size());
      if (rest.get(0).equals("namespaces")) {
        // the namespace object itself
        return new RequestInfo(verb(method, true, query), "namespaces", "", namespace);
      }
    }
    if (rest.isEmpty()) {
      return new RequestInfo(method.toLowerCase(Locale.ROOT), "", namespace, "");
    }
    String resource = rest.get(0);
    String name = rest.size() >= 2 ? rest.get(1) : "";
    if (rest.size() >= 3) {
      resource = resource + "/" + rest.get(2);
    }
    return new RequestInfo(verb(method, !name.isEmpty(), query), resource, namespace, name);
  }

  private static String verb(String method, boolean named, String query) {
    return switch (method.toUpperCase(Locale.ROOT)) {
      case "GET", "HEAD" -> isWatch(query) ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(Locale.ROOT);
    };
  }

  private static boolean isWatch(String query) {
    if (query == null) {
      return false;
    }
    for (String pair : query.split("&")) {
      if (pair.equals("watch=true") || pair.equals("watch=1")) {
        return true;
      }
    }
    return false;
  }
}
