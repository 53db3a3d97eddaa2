package io.clusteragent.helm.stacks;

import io.clusteragent.helm.yaml.YamlText;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Names;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads one stack in the documented format, from YAML text or from a tree already parsed (a stack
 * inside a JSON command payload). Every problem is a {@code BAD_REQUEST} whose message starts with
 * the field's path ({@code addons[2].chart_version}) so the platform's user can find it; a document
 * over {@link StackLimits#maxDocumentChars()} is {@code PAYLOAD_TOO_LARGE}.
 *
 * <p>Fields the agent cannot honour are refused, not dropped, when dropping them would change what
 * lands in the cluster: {@code from_file} and {@code include} (the agent reads no repository),
 * {@code variables} (it substitutes nothing), {@code encrypted_paths} (it decrypts nothing), {@code
 * applications} and {@code dependencies_override}. An empty value of these is accepted, since
 * exporters write {@code variables: {}}. Documented fields that change nothing here ({@code
 * description}, a manifest's {@code group}, {@code namespace_migration_strategy}, {@code
 * job_configuration}, the settings not modelled in {@link AddonSettings}) are ignored. A field that
 * is not documented at all is refused: a misspelt {@code parent:} would otherwise silently drop an
 * ordering edge.
 *
 * <p>Cross-references ({@code parents}, unique names, cycles) are {@link StackPlan}'s checks.
 */
public final class StackParser {

  /** Helm chart names: one path segment, never starting with {@code -} (helm would read a flag). */
  static final Names.Rule CHART_NAME =
      new Names.Rule(
          Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?"),
          "a chart name (letters, digits, '-', '.' and '_', starting and ending with a letter or"
              + " digit, at most 128 characters)");

  /**
   * An exact version, no range: re-applying a stack must install the same chart, which is also what
   * lets a step answer UNCHANGED.
   */
  static final Names.Rule CHART_VERSION =
      new Names.Rule(
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}"),
          "an exact chart version (letters, digits, '.', '+', '-' and '_', starting with a letter"
              + " or digit, at most 64 characters; ranges are not accepted)");

  /** Helm repository names as {@code helm repo add} takes them, without {@code /}. */
  static final Names.Rule REGISTRY_NAME =
      new Names.Rule(
          Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?"),
          "a registry name (letters, digits, '-', '.' and '_', starting and ending with a letter or"
              + " digit, at most 63 characters)");

  private static final int URL_MAX = 2048;
  private static final int SYNC_OPTIONS_MAX = 32;
  private static final Pattern SYNC_OPTION = Pattern.compile("[A-Za-z]+=[A-Za-z0-9]+");

  private static final Set<String> STACK_FIELDS =
      Set.of(
          "name",
          "description",
          "description_from_file",
          "deploy_wave",
          "engine",
          "variables",
          "manifests",
          "addons",
          "applications");
  private static final Set<String> MANIFEST_FIELDS =
      Set.of(
          "name",
          "manifest",
          "manifest_base64",
          "from_file",
          "parents",
          "encrypted_paths",
          "force",
          "auto_remediate",
          "group",
          "namespace",
          "dependencies_override",
          "include");
  private static final Set<String> ADDON_FIELDS =
      Set.of(
          "name",
          "description",
          "chart_name",
          "chart_version",
          "registry_url",
          "repository_url",
          "registry_name",
          "registry_credential_name",
          "namespace",
          "configuration",
          "configuration_type",
          "parents",
          "settings",
          "engine",
          "namespace_migration_strategy",
          "job_configuration",
          "include");
  private static final Set<String> CONFIGURATION_FIELDS =
      Set.of("values", "values_base64", "from_file", "encrypted_paths");
  private static final Set<String> SYNC_POLICY_FIELDS =
      Set.of("automated", "auto_prune", "self_heal", "sync_options");

  /** Refused fields, each with why and what to send instead. */
  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "from_file",
          "the agent reads no files; send the content inline",
          "include",
          "the agent reads no repository; send the entries inline",
          "variables",
          "the agent substitutes no ${{ ankra.* }} variables; resolve them before sending the"
              + " stack",
          "encrypted_paths",
          "the agent decrypts no SOPS values; send the values decrypted",
          "applications",
          "platform applications are not deployed by the agent",
          "dependencies_override",
          "the agent orders nodes by their parents only");

  private final StackLimits limits;
  private final YamlText yaml;

  public StackParser(StackLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.yaml = new YamlText();
  }

  /** Parses a YAML document holding exactly one stack. */
  public StackDefinition parse(String document) throws CommandException {
    if (document == null) {
      throw badRequest("the stack document is required");
    }
    if (document.length() > limits.maxDocumentChars()) {
      throw new CommandException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "the stack document has "
              + document.length()
              + " characters; at most "
              + limits.maxDocumentChars()
              + " are accepted");
    }
    List<JsonNode> documents = yaml.read("stack document", document, YamlText.Aliases.REFUSE);
    if (documents.size() != 1) {
      throw badRequest(
          "the stack document must hold exactly one YAML document, found " + documents.size());
    }
    return parse(documents.getFirst());
  }

  /** Reads a stack already parsed into a tree (JSON or YAML). */
  public StackDefinition parse(JsonNode stack) throws CommandException {
    Fields f = Fields.of(stack, "", STACK_FIELDS);
    refuseUnsupported(f, "variables", "applications");
    String name = Names.DNS_LABEL.check("name", "stack name", f.requiredText("name"));
    int wave = f.optionalInt("deploy_wave").orElse(0);
    Engine engine = f.optionalEngine("engine").orElse(Engine.ANKRA_NATIVE);
    List<Fields> manifestEntries = f.list("manifests");
    List<Fields> addonEntries = f.list("addons");
    int nodes = manifestEntries.size() + addonEntries.size();
    if (nodes > limits.maxNodes()) {
      throw badRequest(
          "a stack holds at most "
              + limits.maxNodes()
              + " manifests and add-ons together; this one has "
              + nodes);
    }
    List<ManifestDefinition> manifests = new ArrayList<>();
    for (Fields entry : manifestEntries) {
      manifests.add(manifest(entry));
    }
    List<AddonDefinition> addons = new ArrayList<>();
    for (Fields entry : addonEntries) {
      addons.add(addon(entry, engine));
    }
    return new StackDefinition(name, wave, engine, manifests, addons);
  }

  private ManifestDefinition manifest(Fields entry) throws CommandException {
    Fields f = entry.fields(MANIFEST_FIELDS);
    refuseUnsupported(f, "include", "from_file", "encrypted_paths", "dependencies_override");
    String name = Names.DNS_LABEL.check(f.path("name"), "manifest name", f.requiredText("name"));
    boolean inline = f.has("manifest");
    boolean encoded = f.has("manifest_base64");
    if (inline == encoded) {
      throw badRequest(
          f.path()
              + ": exactly one of manifest (YAML text) and manifest_base64 is required"
              + (inline ? ", not both" : ""));
    }
    String text =
        inline
            ? yamlText(f, "manifest")
            : base64Text(f.path("manifest_base64"), f.requiredText("manifest_base64"));
    checkObjects(inline ? f.path("manifest") : f.path("manifest_base64"), text);
    return new ManifestDefinition(
        name,
        text,
        parents(f),
        f.optionalBoolean("force").orElse(false),
        f.optionalBoolean("auto_remediate").orElse(false));
  }

  private AddonDefinition addon(Fields entry, Engine stackEngine) throws CommandException {
    Fields f = entry.fields(ADDON_FIELDS);
    refuseUnsupported(f, "include");
    String name = Names.HELM_RELEASE.check(f.path("name"), "add-on name", f.requiredText("name"));
    String chartName =
        CHART_NAME.check(f.path("chart_name"), "chart name", f.requiredText("chart_name"));
    String chartVersion =
        CHART_VERSION.check(
            f.path("chart_version"), "chart version", f.requiredText("chart_version"));
    String registryUrl = registryUrl(f);
    Optional<String> registryName = f.optionalText("registry_name");
    if (registryName.isPresent()) {
      REGISTRY_NAME.check(f.path("registry_name"), "registry name", registryName.get());
    }
    String namespace =
        Names.DNS_LABEL.check(f.path("namespace"), "namespace", f.requiredText("namespace"));
    String values = "";
    if (f.has("configuration")) {
      values = values(f.fields("configuration", CONFIGURATION_FIELDS));
    }
    AddonSettings settings = f.has("settings") ? settings(f.object("settings")) : null;
    return new AddonDefinition(
        name,
        chartName,
        chartVersion,
        registryUrl,
        registryName,
        namespace,
        values,
        parents(f),
        settings == null ? AddonSettings.DEFAULTS : settings,
        f.optionalEngine("engine").orElse(stackEngine));
  }

  /**
   * The documents name the field {@code registry_url} in one place and {@code repository_url} in
   * another; either is accepted, one at a time.
   */
  private static String registryUrl(Fields f) throws CommandException {
    boolean registry = f.has("registry_url");
    boolean repository = f.has("repository_url");
    if (registry && repository) {
      throw badRequest(f.path() + ": give registry_url or repository_url, not both");
    }
    if (!registry && !repository) {
      throw badRequest(
          f.path("registry_url")
              + " is required (the agent cannot look up a registry connected in the platform by"
              + " its registry_name)");
    }
    String field = registry ? "registry_url" : "repository_url";
    String path = f.path(field);
    String value = f.requiredText(field);
    if (value.length() > URL_MAX) {
      throw badRequest(path + " must be at most " + URL_MAX + " characters");
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw badRequest(path + " is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("oci")) {
      throw badRequest(
          path
              + " must start with https:// (a chart repository) or oci:// (an OCI registry), got '"
              + shorten(value)
              + "': plain http would let anyone on the way swap the chart, and the agent reads no"
              + " local files");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw badRequest(path + " has no host: '" + shorten(value) + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw badRequest(
          path
              + " must not carry credentials (user:password@); they would show in every log and"
              + " status line");
    }
    if (uri.getRawFragment() != null) {
      throw badRequest(path + " must not have a #fragment");
    }
    return value;
  }

  private String values(Fields f) throws CommandException {
    refuseUnsupported(f, "from_file", "encrypted_paths");
    boolean plain = f.has("values");
    boolean encoded = f.has("values_base64");
    if (plain && encoded) {
      throw badRequest(f.path() + ": give values or values_base64, not both");
    }
    if (!plain && !encoded) {
      return "";
    }
    String path = plain ? f.path("values") : f.path("values_base64");
    String text = plain ? yamlText(f, "values") : base64Text(path, f.requiredText("values_base64"));
    List<JsonNode> documents = yaml.read(path, text, YamlText.Aliases.ALLOW);
    documents.removeIf(JsonNode::isNull);
    if (documents.size() > 1) {
      throw badRequest(path + ": Helm values must be one YAML document, found " + documents.size());
    }
    if (!documents.isEmpty() && !documents.getFirst().isObject()) {
      throw badRequest(path + ": Helm values must be a mapping (key: value)");
    }
    return documents.isEmpty() ? "" : text;
  }

  private static AddonSettings settings(Fields settings) throws CommandException {
    AddonSettings d = AddonSettings.DEFAULTS;
    boolean automated = d.automated();
    boolean selfHeal = d.selfHeal();
    boolean autoPrune = d.autoPrune();
    List<String> syncOptions = d.syncOptions();
    if (settings.has("sync_policy")) {
      Fields policy = settings.fields("sync_policy", SYNC_POLICY_FIELDS);
      automated = policy.optionalBoolean("automated").orElse(automated);
      selfHeal = policy.optionalBoolean("self_heal").orElse(selfHeal);
      autoPrune = policy.optionalBoolean("auto_prune").orElse(autoPrune);
      if (policy.has("sync_options")) {
        List<Fields> entries = policy.list("sync_options");
        if (entries.size() > SYNC_OPTIONS_MAX) {
          throw badRequest(
              policy.path("sync_options") + " holds at most " + SYNC_OPTIONS_MAX + " options");
        }
        List<String> options = new ArrayList<>();
        for (Fields option : entries) {
          String value = option.text();
          if (!SYNC_OPTION.matcher(value).matches()) {
            throw badRequest(
                option.path() + ": '" + shorten(value) + "' is not a sync option (Name=value)");
          }
          options.add(value);
        }
        syncOptions = options;
      }
    }
    int history = d.revisionHistoryLimit();
    var limit = settings.optionalInt("revision_history_limit");
    if (limit.isPresent()) {
      history = limit.getAsInt();
      if (history < 1 || history > AddonSettings.REVISION_HISTORY_LIMIT_MAX) {
        throw badRequest(
            settings.path("revision_history_limit")
                + " must be from 1 to "
                + AddonSettings.REVISION_HISTORY_LIMIT_MAX);
      }
    }
    return new AddonSettings(automated, selfHeal, autoPrune, syncOptions, history);
  }

  /**
   * Parents as written, in either documented form: {@code - manifest: x} / {@code - addon: y}, or
   * {@code - name: x} with {@code kind: manifest}. Whether they exist is the plan's check.
   */
  private List<NodeRef> parents(Fields f) throws CommandException {
    if (!f.has("parents")) {
      return List.of();
    }
    List<Fields> entries = f.list("parents");
    if (entries.size() > limits.maxParents()) {
      throw badRequest(
          f.path("parents")
              + " holds at most "
              + limits.maxParents()
              + " entries; this one has "
              + entries.size());
    }
    List<NodeRef> parents = new ArrayList<>();
    for (Fields entry : entries) {
      parents.add(parent(entry));
    }
    return parents;
  }

  private static NodeRef parent(Fields entry) throws CommandException {
    String expected =
        ": expected 'manifest: NAME', 'addon: NAME', or 'name: NAME' with 'kind: manifest|addon'";
    Fields f = entry.lenientObject(expected);
    Set<String> keys = f.keys();
    if (keys.equals(Set.of("manifest"))) {
      return NodeRef.manifest(f.requiredText("manifest"));
    }
    if (keys.equals(Set.of("addon"))) {
      return NodeRef.addon(f.requiredText("addon"));
    }
    if (keys.equals(Set.of("name", "kind"))) {
      String name = f.requiredText("name");
      return switch (f.requiredText("kind")) {
        case "manifest" -> NodeRef.manifest(name);
        case "addon" -> NodeRef.addon(name);
        default -> throw badRequest(f.path("kind") + " must be manifest or addon");
      };
    }
    throw badRequest(f.path() + expected);
  }

  /** Every document of a manifest must be a Kubernetes object; empty ones ({@code ---}) pass. */
  private void checkObjects(String path, String text) throws CommandException {
    List<JsonNode> documents = yaml.read(path, text, YamlText.Aliases.REFUSE);
    int objects = 0;
    for (int i = 0; i < documents.size(); i++) {
      JsonNode document = documents.get(i);
      if (document.isNull()) {
        continue;
      }
      String which = documents.size() == 1 ? "" : " (document " + (i + 1) + ")";
      if (!document.isObject()) {
        throw badRequest(path + which + ": a Kubernetes object must be a mapping");
      }
      for (String field : List.of("apiVersion", "kind")) {
        JsonNode value = document.get(field);
        if (value == null || !value.isString() || value.asString().isBlank()) {
          throw badRequest(path + which + ": the object has no " + field);
        }
      }
      objects++;
    }
    if (objects == 0) {
      throw badRequest(path + ": holds no Kubernetes object");
    }
  }

  /**
   * Inline YAML: text as written, or a mapping (a stack sent as JSON, or values written as YAML
   * rather than as a block string) turned back into YAML text for helm and the API server.
   */
  private String yamlText(Fields f, String field) throws CommandException {
    JsonNode value = f.node(field);
    if (value.isObject()) {
      return yaml.write(value);
    }
    if (!value.isString()) {
      throw badRequest(f.path(field) + " must be YAML text or a mapping");
    }
    return value.asString();
  }

  private static String base64Text(String path, String encoded) throws CommandException {
    byte[] bytes;
    try {
      // editors and exporters wrap long base64 lines; the line breaks carry nothing
      bytes = Base64.getDecoder().decode(encoded.replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw badRequest(path + " is not valid base64");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw badRequest(path + " does not decode to UTF-8 text");
    }
  }

  private static void refuseUnsupported(Fields f, String... fields) throws CommandException {
    for (String field : fields) {
      if (f.hasContent(field)) {
        throw badRequest(f.path(field) + " is not supported: " + UNSUPPORTED.get(field));
      }
    }
  }

  private static String shorten(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "…";
  }

  static CommandException badRequest(String message) {
    return new CommandException(ErrorCode.BAD_REQUEST, message);
  }

  private static CommandException badRequest(String message, Throwable cause) {
    return new CommandException(ErrorCode.BAD_REQUEST, message, cause);
  }
}
