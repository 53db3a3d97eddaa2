package io.clusteragent.helm.stacks;

import java.util.Arrays;
import java.util.Optional;

/**
 * Which engine deploys an add-on: the agent's own helm ({@code ankra_native}) or an in-cluster Argo
 * CD ({@code argo_cd}). Kept on every add-on, already resolved against the stack's default, so the
 * step that installs one never has to look the stack up.
 */
public enum Engine {
  ANKRA_NATIVE("ankra_native"),
  ARGO_CD("argo_cd");

  private final String documentName;

  Engine(String documentName) {
    this.documentName = documentName;
  }

  /** The value the stack document uses. */
  public String documentName() {
    return documentName;
  }

  static Optional<Engine> fromDocument(String value) {
    return Arrays.stream(values()).filter(e -> e.documentName.equals(value)).findFirst();
  }
}
