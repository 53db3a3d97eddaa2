package io.clusteragent.core.command;

import java.util.List;

/** The platform user a command acts for; empty user means the agent's own identity. */
public record Actor(String user, List<String> groups) {

  public static final Actor AGENT = new Actor("", List.of());

  public Actor {
    user = user == null ? "" : user;
    groups = groups == null ? List.of() : List.copyOf(groups);
  }

  public boolean isAgent() {
    return user.isEmpty();
  }
}
