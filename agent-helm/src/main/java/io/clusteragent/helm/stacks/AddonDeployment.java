package io.clusteragent.helm.stacks;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.helm.StateNamespace;
import io.clusteragent.helm.argocd.ApplyOutcome;
import io.clusteragent.helm.argocd.ArgoAddon;
import io.clusteragent.helm.argocd.ArgoApplications;
import io.clusteragent.helm.argocd.DeployedResources;
import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.helm.releases.ReleaseWriter;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How one run applies and deletes a stack's nodes: add-ons as Helm releases (the native engine) or
 * as Argo CD Applications, and plain manifests as a release of a chart the agent writes around
 * them, so helm records, upgrades and removes them like any add-on. An add-on whose fingerprint
 * (chart, version, values, namespace, settings) matches the last applied one and whose release is
 * deployed is left alone: applying a stack again changes nothing that did not change.
 */
final class AddonDeployment implements StackStep {

  private final ReleaseWriter writer;
  private final ArgoApplications argo;
  private final StateNamespace stateNamespace;
  private final CommandContext context;
  private final Optional<StackState.Stored> previous;
  private final ProgressFrames progress;
  private final JsonMapper json;
  private final Map<NodeRef, String> fingerprints = new ConcurrentHashMap<>();

  AddonDeployment(
      ReleaseWriter writer,
      ArgoApplications argo,
      StateNamespace stateNamespace,
      CommandContext context,
      Optional<StackState.Stored> previous,
      ProgressFrames progress,
      JsonMapper json) {
    this.writer = writer;
    this.argo = argo;
    this.stateNamespace = stateNamespace;
    this.context = context;
    this.previous = previous;
    this.progress = progress;
    this.json = json;
  }

  /** The fingerprint of what this run applied (or found unchanged) for {@code node}. */
  String fingerprint(NodeRef node) {
    return fingerprints.getOrDefault(node, "");
  }

  @Override
  public StepOutcome apply(StackDefinition stack, StackNode node)
      throws CommandException, InterruptedException {
    return switch (node) {
      case ManifestDefinition manifest -> applyManifest(stack, manifest);
      case AddonDefinition addon when addon.engine() == Engine.ARGO_CD -> applyArgo(stack, addon);
      case AddonDefinition addon -> applyNative(addon);
    };
  }

  @Override
  public StepOutcome delete(StackDefinition stack, StackNode node)
      throws CommandException, InterruptedException {
    switch (node) {
      case ManifestDefinition manifest ->
          writer.uninstall(stateNamespace.name(), manifestRelease(manifest), context);
      case AddonDefinition addon when addon.engine() == Engine.ARGO_CD ->
          argo.delete(stack.name(), addon.name(), DeployedResources.REMOVE);
      case AddonDefinition addon -> writer.uninstall(addon.namespace(), addon.name(), context);
    }
    return StepOutcome.applied();
  }

  private StepOutcome applyNative(AddonDefinition addon)
      throws CommandException, InterruptedException {
    String fingerprint =
        fingerprint(
            "native",
            addon.registryUrl(),
            addon.chartName(),
            addon.chartVersion(),
            addon.namespace(),
            addon.values(),
            Integer.toString(addon.settings().revisionHistoryLimit()));
    if (unchanged(addon.ref(), fingerprint, addon.namespace(), addon.name())) {
      fingerprints.put(addon.ref(), fingerprint);
      return new StepOutcome.Unchanged("release " + addon.namespace() + "/" + addon.name());
    }
    JsonNode release = writer.apply(release(addon, false), context, progress);
    fingerprints.put(addon.ref(), fingerprint);
    return new StepOutcome.Applied("revision " + release.path("revision").asInt());
  }

  private StepOutcome applyArgo(StackDefinition stack, AddonDefinition addon)
      throws CommandException {
    AddonSettings settings = addon.settings();
    ApplyOutcome outcome =
        argo.apply(
            new ArgoAddon(
                stack.name(),
                addon.name(),
                addon.chartName(),
                addon.registryUrl(),
                addon.chartVersion(),
                addon.values(),
                addon.namespace(),
                settings.selfHeal(),
                settings.autoPrune(),
                settings.syncOptions().contains("CreateNamespace=true"),
                settings.revisionHistoryLimit()));
    String detail = "Argo CD Application " + stack.name() + "-" + addon.name();
    return outcome == ApplyOutcome.UNCHANGED
        ? new StepOutcome.Unchanged(detail)
        : new StepOutcome.Applied(detail + " " + outcome.name().toLowerCase(java.util.Locale.ROOT));
  }

  private StepOutcome applyManifest(StackDefinition stack, ManifestDefinition manifest)
      throws CommandException, InterruptedException {
    String release = manifestRelease(manifest);
    String fingerprint = fingerprint("manifest", manifest.manifest());
    if (unchanged(manifest.ref(), fingerprint, stateNamespace.name(), release)) {
      fingerprints.put(manifest.ref(), fingerprint);
      return new StepOutcome.Unchanged("release " + stateNamespace.name() + "/" + release);
    }
    Map<String, String> chart =
        Map.of(
            "Chart.yaml",
            "apiVersion: v2\nname: "
                + release
                + "\nversion: 0.1.0\ndescription: plain manifests of stack "
                + stack.name()
                + "\n",
            // as written: .Files.Get hands helm the text without reading it as a template
            "files/manifest.yaml",
            manifest.manifest(),
            "templates/manifest.yaml",
            "{{ .Files.Get \"files/manifest.yaml\" }}\n");
    JsonNode applied =
        writer.apply(
            new ReleaseWriter.AddonRelease(
                stateNamespace.name(), release, "", "", "", "", 10, chart, false),
            context,
            progress);
    fingerprints.put(manifest.ref(), fingerprint);
    return new StepOutcome.Applied("revision " + applied.path("revision").asInt());
  }

  private boolean unchanged(NodeRef ref, String fingerprint, String namespace, String release)
      throws CommandException, InterruptedException {
    boolean same =
        previous
            .flatMap(p -> p.node(ref))
            .map(n -> n.fingerprint().equals(fingerprint))
            .orElse(false);
    if (!same) {
      return false;
    }
    // the fingerprint says what was asked; the release says whether it is still there and well
    return writer
        .status(namespace, release, context)
        .map(s -> s.path("info").path("status").asString("").equals("deployed"))
        .orElse(false);
  }

  /**
   * An add-on as its release: {@code upgrade --install} of its chart, with {@code force} taking
   * back fields others changed (self-heal).
   */
  static ReleaseWriter.AddonRelease release(AddonDefinition addon, boolean force) {
    return new ReleaseWriter.AddonRelease(
        addon.namespace(),
        addon.name(),
        addon.registryUrl(),
        addon.chartName(),
        addon.chartVersion(),
        addon.values(),
        addon.settings().revisionHistoryLimit(),
        Map.of(),
        force);
  }

  /** A manifest's release name: its own name, marked so it cannot take an add-on's release. */
  static String manifestRelease(ManifestDefinition manifest) throws CommandException {
    String release = manifest.name() + "-manifest";
    if (!Names.HELM_RELEASE.accepts(release)) {
      throw new CommandException(
          ErrorCode.BAD_REQUEST,
          "manifest "
              + manifest.name()
              + ": its release name "
              + release
              + " is longer than helm's 53 characters; use a shorter manifest name");
    }
    return release;
  }

  private String fingerprint(String... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(json.writeValueAsBytes(parts));
      return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
