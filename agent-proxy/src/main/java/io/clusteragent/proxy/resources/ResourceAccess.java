package io.clusteragent.proxy.resources;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.discovery.BuiltInCatalog;
import io.clusteragent.proxy.objects.ObjectFilter;

/**
 * What the browsing commands may reach and what they take out of what they return: the {@link
 * BuiltInCatalog} unless dynamic discovery is on ({@code DYNAMIC_API_DISCOVERY_ENABLED}, chart
 * value {@code k8s_watch.dynamic_discovery}), and the agent's {@link ObjectFilter}. RBAC still
 * decides for the acting user on top of this.
 */
public final class ResourceAccess {

  private final boolean dynamicDiscovery;
  private final ObjectFilter filter;

  public ResourceAccess(boolean dynamicDiscovery, ObjectFilter filter) {
    this.dynamicDiscovery = dynamicDiscovery;
    this.filter = filter;
  }

  void checkServed(ResourceTarget target) throws CommandException {
    if (!dynamicDiscovery && !BuiltInCatalog.contains(target.group(), target.resource())) {
      String type =
          target.group().isEmpty() ? target.resource() : target.resource() + "." + target.group();
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          type
              + " is not in this agent's built-in catalog; browsing other types (CRDs among them)"
              + " needs DYNAMIC_API_DISCOVERY_ENABLED=true (chart value"
              + " k8s_watch.dynamic_discovery)");
    }
  }

  /** The agent's filter, or the same with Secret values shown when the command asked for them. */
  ObjectFilter filter(boolean secretValues) {
    return secretValues ? filter.revealingSecrets() : filter;
  }
}
