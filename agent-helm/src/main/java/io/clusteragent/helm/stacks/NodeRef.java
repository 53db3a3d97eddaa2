package io.clusteragent.helm.stacks;

import java.util.Objects;

/**
 * Names one node of a stack: a manifest or an add-on. The two are separate name spaces in the
 * documented format (a parent says which kind it means), so a manifest and an add-on may share a
 * name and the kind is part of the identity.
 */
public record NodeRef(Kind kind, String name) {

  /** The two kinds of node a stack holds, spelt as the {@code parents} entries spell them. */
  public enum Kind {
    MANIFEST("manifest"),
    ADDON("addon");

    private final String documentName;

    Kind(String documentName) {
      this.documentName = documentName;
    }

    /** The word the stack document uses: {@code manifest} or {@code addon}. */
    public String documentName() {
      return documentName;
    }
  }

  public NodeRef {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
  }

  public static NodeRef manifest(String name) {
    return new NodeRef(Kind.MANIFEST, name);
  }

  public static NodeRef addon(String name) {
    return new NodeRef(Kind.ADDON, name);
  }

  /** {@code addon "cert-manager"}: the form every error message and progress line uses. */
  @Override
  public String toString() {
    return kind.documentName() + " \"" + name + "\"";
  }
}
