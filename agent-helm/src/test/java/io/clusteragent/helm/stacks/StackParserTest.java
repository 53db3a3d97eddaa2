package io.clusteragent.helm.stacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

class StackParserTest {

  private final StackParser parser = new StackParser(StackLimits.DEFAULTS);

  /**
   * The documented full example's stack, with the two manifests inline (the example reads them from
   * files, which the agent refuses) and the add-on's repository under its documented name.
   */
  static final String LOGGING =
      """
      name: logging
      description: Stack for logging
      manifests:
        - name: namespace-fluent-bit
          parents: []
          manifest: |
            apiVersion: v1
            kind: Namespace
            metadata:
              name: fluent-bit
        - name: configmap-fluent-bit
          parents:
            - manifest: namespace-fluent-bit
          manifest: |
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: fluent-bit-extra
              namespace: fluent-bit
            data:
              level: info
      addons:
        - name: fluent-bit
          chart_name: fluent-bit
          chart_version: 0.49.1
          repository_url: https://fluent.github.io/helm-charts
          namespace: fluent-bit
          parents:
            - manifest: configmap-fluent-bit
          configuration:
            values: |-
              service:
                enabled: true
      """;

  @Test
  void readsTheDocumentedExample() throws CommandException {
    StackDefinition stack = parser.parse(LOGGING);

    assertThat(stack.name()).isEqualTo("logging");
    assertThat(stack.deployWave()).isZero();
    assertThat(stack.engine()).isEqualTo(Engine.ANKRA_NATIVE);
    assertThat(stack.manifests())
        .extracting(ManifestDefinition::name)
        .containsExactly("namespace-fluent-bit", "configmap-fluent-bit");
    ManifestDefinition configMap = stack.manifests().get(1);
    assertThat(configMap.parents()).containsExactly(NodeRef.manifest("namespace-fluent-bit"));
    assertThat(configMap.manifest()).contains("kind: ConfigMap").contains("level: info");
    assertThat(configMap.force()).isFalse();
    assertThat(configMap.autoRemediate()).isFalse();

    AddonDefinition addon = stack.addons().getFirst();
    assertThat(addon.name()).isEqualTo("fluent-bit");
    assertThat(addon.chartName()).isEqualTo("fluent-bit");
    assertThat(addon.chartVersion()).isEqualTo("0.49.1");
    assertThat(addon.registryUrl()).isEqualTo("https://fluent.github.io/helm-charts");
    assertThat(addon.fromOciRegistry()).isFalse();
    assertThat(addon.registryName()).isEmpty();
    assertThat(addon.namespace()).isEqualTo("fluent-bit");
    assertThat(addon.values()).isEqualTo("service:\n  enabled: true");
    assertThat(addon.parents()).containsExactly(NodeRef.manifest("configmap-fluent-bit"));
    assertThat(addon.engine()).isEqualTo(Engine.ANKRA_NATIVE);
    assertThat(addon.settings()).isEqualTo(AddonSettings.DEFAULTS);
    assertThat(stack.nodes())
        .extracting(StackNode::ref)
        .containsExactly(
            NodeRef.manifest("namespace-fluent-bit"),
            NodeRef.manifest("configmap-fluent-bit"),
            NodeRef.addon("fluent-bit"));
  }

  @Test
  void settingsDefaultToTheDocumentedProfile() {
    assertThat(AddonSettings.DEFAULTS.automated()).isTrue();
    assertThat(AddonSettings.DEFAULTS.selfHeal()).isTrue();
    assertThat(AddonSettings.DEFAULTS.autoPrune()).isTrue();
    assertThat(AddonSettings.DEFAULTS.syncOptions())
        .containsExactly("CreateNamespace=true", "ServerSideApply=true");
    assertThat(AddonSettings.DEFAULTS.revisionHistoryLimit()).isEqualTo(10);
  }

  @Test
  void readsTheDocumentedSettingsBlockAndOverrides() throws CommandException {
    StackDefinition stack =
        parser.parse(
            """
            name: databases
            deploy_wave: 2
            engine: argo_cd
            addons:
              - name: postgres
                chart_name: postgresql
                chart_version: "16.4.1"
                registry_url: oci://registry-1.docker.io/bitnamicharts
                registry_name: bitnami
                namespace: data
                engine: ankra_native
                settings:
                  sync_policy:
                    automated: true
                    auto_prune: false
                    self_heal: true
                    sync_options:
                      - CreateNamespace=true
                  retry_policy:
                    limit: 5
                    backoff_duration: 5s
                  revision_history_limit: 20
                  strict_health_check: true
              - name: redis
                chart_name: redis
                chart_version: 20.1.0
                registry_url: https://charts.bitnami.com/bitnami
                namespace: data
            """);

    assertThat(stack.deployWave()).isEqualTo(2);
    assertThat(stack.engine()).isEqualTo(Engine.ARGO_CD);
    AddonDefinition postgres = stack.addons().get(0);
    assertThat(postgres.engine()).isEqualTo(Engine.ANKRA_NATIVE);
    assertThat(postgres.fromOciRegistry()).isTrue();
    assertThat(postgres.registryName()).contains("bitnami");
    assertThat(postgres.settings())
        .isEqualTo(new AddonSettings(true, true, false, List.of("CreateNamespace=true"), 20));
    AddonDefinition redis = stack.addons().get(1);
    assertThat(redis.engine()).as("the stack's engine by default").isEqualTo(Engine.ARGO_CD);
    assertThat(redis.settings()).isEqualTo(AddonSettings.DEFAULTS);
    assertThat(redis.values()).isEmpty();
  }

  @Test
  void decodesBase64ContentAndReadsTheExplicitParentForm() throws CommandException {
    String namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: infisical\n";
    String values = "replicas: 2\n";
    StackDefinition stack =
        parser.parse(
            """
            name: infisical
            manifests:
              - name: infisical-ns
                manifest_base64: %s
            addons:
              - name: infisical
                chart_name: infisical
                chart_version: 0.4.2
                repository_url: https://dl.cloudsmith.io/public/infisical/helm-charts/helm/charts
                namespace: infisical
                configuration:
                  values_base64: %s
                parents:
                  - name: infisical-ns
                    kind: manifest
            """
                .formatted(base64(namespace), base64(values)));

    assertThat(stack.manifests().getFirst().manifest()).isEqualTo(namespace);
    assertThat(stack.addons().getFirst().values()).isEqualTo(values);
    assertThat(stack.addons().getFirst().parents())
        .containsExactly(NodeRef.manifest("infisical-ns"));
  }

  @Test
  void keepsValuesWrittenAsAMappingAsYamlText() throws CommandException {
    StackDefinition stack =
        parser.parse(
            """
            name: web
            addons:
              - name: ingress
                chart_name: ingress-nginx
                chart_version: 4.11.3
                registry_url: https://kubernetes.github.io/ingress-nginx
                namespace: ingress
                configuration:
                  values:
                    controller:
                      replicaCount: 2
                      config:
                        use-forwarded-headers: "true"
            """);

    JsonNode values = new YAMLMapper().readTree(stack.addons().getFirst().values());
    assertThat(values.at("/controller/replicaCount").intValue()).isEqualTo(2);
    assertThat(values.at("/controller/config/use-forwarded-headers").isString()).isTrue();
  }

  @Test
  void readsAStackSentAsJson() throws CommandException {
    JsonNode json =
        JsonMapper.builder()
            .build()
            .readTree(
                """
                {"name": "web", "manifests": [{"name": "ns", "manifest":
                  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}}],
                 "addons": [{"name": "app", "chart_name": "app", "chart_version": "1.0.0",
                  "registry_url": "https://charts.example.com", "namespace": "web",
                  "configuration": {"values": {"image": {"tag": "v2"}}},
                  "parents": [{"manifest": "ns"}]}]}
                """);

    StackDefinition stack = parser.parse(json);

    JsonNode manifest = new YAMLMapper().readTree(stack.manifests().getFirst().manifest());
    assertThat(manifest.get("kind").asString()).isEqualTo("Namespace");
    assertThat(new YAMLMapper().readTree(stack.addons().getFirst().values()).at("/image/tag"))
        .hasToString("\"v2\"");
  }

  @Test
  void takesUnquotedVersionsAsWritten() throws CommandException {
    StackDefinition stack =
        parser.parse(
            """
            name: versions
            addons:
              - name: one
                chart_name: one
                chart_version: 1.10
                registry_url: https://charts.example.com
                namespace: default
              - name: two
                chart_name: two
                chart_version: 2
                registry_url: https://charts.example.com
                namespace: default
            """);

    assertThat(stack.addons())
        .extracting(AddonDefinition::chartVersion)
        .containsExactly("1.10", "2");
  }

  @Test
  void acceptsEmptyUnsupportedFieldsAndIgnoresDocumentedOnesWithNoEffectHere()
      throws CommandException {
    StackDefinition stack =
        parser.parse(
            """
            name: quiet
            description: nothing to see
            variables: {}
            applications: []
            manifests:
              - name: ns
                group: basics
                encrypted_paths: []
                manifest: |
                  apiVersion: v1
                  kind: Namespace
                  metadata:
                    name: quiet
                  ---
            addons:
              - name: app
                chart_name: app
                chart_version: 1.0.0
                registry_url: https://charts.example.com
                registry_credential_name: private
                namespace: quiet
                namespace_migration_strategy: reinstall
                job_configuration:
                  update_job_timeout: 600
                configuration: {}
            """);

    assertThat(stack.nodes()).hasSize(2);
  }

  @Test
  void acceptsAManifestWithSeveralObjects() throws CommandException {
    StackDefinition stack =
        parser.parse(
            """
            name: multi
            manifests:
              - name: rbac
                force: true
                auto_remediate: true
                manifest: |
                  apiVersion: v1
                  kind: ServiceAccount
                  metadata: {name: a, namespace: default}
                  ---
                  apiVersion: rbac.authorization.k8s.io/v1
                  kind: ClusterRole
                  metadata: {name: a}
            """);

    ManifestDefinition rbac = stack.manifests().getFirst();
    assertThat(rbac.force()).isTrue();
    assertThat(rbac.autoRemediate()).isTrue();
    assertThat(rbac.manifest()).contains("ServiceAccount").contains("ClusterRole");
  }

  static Stream<Arguments> refusedDocuments() {
    return Stream.of(
        Arguments.of(
            "from_file on a manifest",
            "manifests:\n  - name: ns\n    from_file: manifests/ns.yaml\n",
            "manifests[0].from_file is not supported: the agent reads no files"),
        Arguments.of(
            "from_file on values",
            addon("configuration:\n      from_file: values.yaml\n"),
            "addons[0].configuration.from_file is not supported"),
        Arguments.of(
            "an include entry",
            "manifests:\n  - include: manifests/\n",
            "manifests[0].include is not supported: the agent reads no repository"),
        Arguments.of(
            "variables",
            "variables:\n  domain: example.com\n",
            "variables is not supported: the agent substitutes no ${{ ankra.* }} variables"),
        Arguments.of(
            "applications", "applications:\n  - name: shop\n", "applications is not supported"),
        Arguments.of(
            "encrypted values",
            addon("configuration:\n      values: 'a: 1'\n      encrypted_paths: [a]\n"),
            "addons[0].configuration.encrypted_paths is not supported: the agent decrypts no"),
        Arguments.of(
            "a misspelt field",
            addon("parent:\n      - manifest: ns\n"),
            "addons[0].parent is not a known field; known here:"),
        Arguments.of(
            "two unknown fields on the stack",
            "colour: blue\nsize: 3\n",
            "the stack has unknown fields [colour, size]"),
        Arguments.of(
            "an http registry",
            addonWithUrl("http://charts.example.com"),
            "addons[0].registry_url must start with https:// (a chart repository) or oci://"),
        Arguments.of(
            "a file registry",
            addonWithUrl("file:///charts"),
            "addons[0].registry_url must start with https://"),
        Arguments.of(
            "a registry with no scheme",
            addonWithUrl("charts.example.com"),
            "addons[0].registry_url must start with https://"),
        Arguments.of(
            "a registry with credentials",
            addonWithUrl("https://user:secret@charts.example.com"),
            "addons[0].registry_url must not carry credentials"),
        Arguments.of(
            "a registry without a host",
            addonWithUrl("https:///charts"),
            "addons[0].registry_url has no host"),
        Arguments.of(
            "both registry_url and repository_url",
            addon("repository_url: https://charts.example.com\n"),
            "addons[0]: give registry_url or repository_url, not both"),
        Arguments.of(
            "no registry",
            "addons:\n  - name: a\n    chart_name: a\n    chart_version: 1.0.0\n"
                + "    namespace: default\n    registry_name: bitnami\n",
            "addons[0].registry_url is required"),
        Arguments.of(
            "a stack name that is not a DNS label",
            "name: Logging\n",
            "name 'Logging' is not a valid stack name"),
        Arguments.of(
            "a release name over 53 characters",
            "addons:\n  - name: " + "a".repeat(54) + "\n",
            "addons[0].name '" + "a".repeat(54) + "' is not a valid add-on name"),
        Arguments.of(
            "a namespace that is not a DNS label",
            addon("").replace("namespace: default", "namespace: Kube_System"),
            "addons[0].namespace 'Kube_System' is not a valid namespace"),
        Arguments.of(
            "a version range",
            addon("").replace("chart_version: 1.0.0", "chart_version: ^1.2.0"),
            "addons[0].chart_version '^1.2.0' is not a valid chart version"),
        Arguments.of(
            "a chart name that helm would read as a flag",
            addon("").replace("chart_name: a", "chart_name: --post-renderer"),
            "addons[0].chart_name '--post-renderer' is not a valid chart name"),
        Arguments.of(
            "a missing chart version",
            addon("").replace("    chart_version: 1.0.0\n", ""),
            "addons[0].chart_version is required"),
        Arguments.of(
            "a bad registry name",
            addon("registry_name: my/repo\n"),
            "addons[0].registry_name 'my/repo' is not a valid registry name"),
        Arguments.of(
            "a manifest with no content",
            "manifests:\n  - name: ns\n",
            "manifests[0]: exactly one of manifest (YAML text) and manifest_base64 is required"),
        Arguments.of(
            "a manifest with both contents",
            "manifests:\n  - name: ns\n    manifest: 'a: 1'\n    manifest_base64: YTogMQ==\n",
            "manifests[0]: exactly one of manifest (YAML text) and manifest_base64 is required,"
                + " not both"),
        Arguments.of(
            "a manifest that is no Kubernetes object",
            "manifests:\n  - name: ns\n    manifest: |\n      apiVersion: v1\n      metadata: {}\n",
            "manifests[0].manifest: the object has no kind"),
        Arguments.of(
            "a second document that is no object",
            "manifests:\n  - name: ns\n    manifest: |\n      apiVersion: v1\n      kind: A\n"
                + "      ---\n      - a list\n",
            "manifests[0].manifest (document 2): a Kubernetes object must be a mapping"),
        Arguments.of(
            "a manifest that is empty",
            "manifests:\n  - name: ns\n    manifest: \"---\\n\"\n",
            "manifests[0].manifest: holds no Kubernetes object"),
        Arguments.of(
            "a manifest that is not base64",
            "manifests:\n  - name: ns\n    manifest_base64: '***'\n",
            "manifests[0].manifest_base64 is not valid base64"),
        Arguments.of(
            "a manifest that is not UTF-8",
            "manifests:\n  - name: ns\n    manifest_base64: //79\n",
            "manifests[0].manifest_base64 does not decode to UTF-8 text"),
        Arguments.of(
            "a manifest that is not YAML",
            "manifests:\n  - name: ns\n    manifest: \"kind: [unclosed\"\n",
            "manifests[0].manifest is not valid YAML at line 1"),
        Arguments.of(
            "values that are a list",
            addon("configuration:\n      values: '[1, 2]'\n"),
            "addons[0].configuration.values: Helm values must be a mapping"),
        Arguments.of(
            "values given twice",
            addon("configuration:\n      values: 'a: 1'\n      values_base64: YTogMQ==\n"),
            "addons[0].configuration: give values or values_base64, not both"),
        Arguments.of(
            "a wave that is not an integer",
            "deploy_wave: first\n",
            "deploy_wave must be an integer"),
        Arguments.of(
            "force that is not a boolean",
            "manifests:\n  - name: ns\n    force: 'yes'\n    manifest: '{apiVersion: v1, kind: A}'\n",
            "manifests[0].force must be true or false"),
        Arguments.of(
            "self_heal that is not a boolean",
            addon("settings:\n      sync_policy:\n        self_heal: sometimes\n"),
            "addons[0].settings.sync_policy.self_heal must be true or false"),
        Arguments.of(
            "a misspelt sync policy",
            addon("settings:\n      sync_policy:\n        selfheal: false\n"),
            "addons[0].settings.sync_policy.selfheal is not a known field"),
        Arguments.of(
            "a bad sync option",
            addon("settings:\n      sync_policy:\n        sync_options: [CreateNamespace]\n"),
            "addons[0].settings.sync_policy.sync_options[0]: 'CreateNamespace' is not a sync"),
        Arguments.of(
            "no revisions kept",
            addon("settings:\n      revision_history_limit: 0\n"),
            "addons[0].settings.revision_history_limit must be from 1 to 100"),
        Arguments.of(
            "too many revisions kept",
            addon("settings:\n      revision_history_limit: 101\n"),
            "addons[0].settings.revision_history_limit must be from 1 to 100"),
        Arguments.of(
            "an unknown engine",
            addon("engine: flux\n"),
            "addons[0].engine must be one of ankra_native, argo_cd, got 'flux'"),
        Arguments.of(
            "a parent in neither form",
            addon("parents:\n      - ns\n"),
            "addons[0].parents[0]: expected 'manifest: NAME', 'addon: NAME'"),
        Arguments.of(
            "a parent naming both kinds",
            addon("parents:\n      - manifest: ns\n        addon: b\n"),
            "addons[0].parents[0]: expected"),
        Arguments.of(
            "a parent of an unknown kind",
            addon("parents:\n      - name: ns\n        kind: application\n"),
            "addons[0].parents[0].kind must be manifest or addon"),
        Arguments.of(
            "manifests that are not a list",
            "manifests:\n  name: ns\n",
            "manifests must be a list"),
        Arguments.of(
            "a manifest entry that is not a mapping",
            "manifests:\n  - ns\n",
            "manifests[0] must be a mapping"),
        Arguments.of(
            "a name that is a mapping",
            "manifests:\n  - name: {a: 1}\n    manifest: 'a: 1'\n",
            "manifests[0].name must be a string"),
        Arguments.of("a stack that is a list", "", "the stack must be a mapping"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedDocuments")
  void refusesNamingTheField(String what, String body, String message) {
    String document =
        body.isEmpty() ? "- a\n- b\n" : body.startsWith("name:") ? body : "name: test\n" + body;
    assertThatThrownBy(() -> parser.parse(document))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
        .message()
        .contains(message);
  }

  @Test
  void refusesADocumentOverTheSizeLimit() {
    StackParser small = new StackParser(new StackLimits(100, 10, 5, 5));
    String document = "name: big\ndescription: " + "x".repeat(100) + "\n";

    assertThatThrownBy(() -> small.parse(document))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE))
        .hasMessageContaining("at most 100 are accepted");
  }

  @Test
  void refusesMoreNodesOrParentsThanTheLimits() {
    StackParser small = new StackParser(new StackLimits(100_000, 2, 1, 5));
    String three =
        "name: many\nmanifests:\n  - {name: a, manifest: x}\n  - {name: b, manifest: x}\n"
            + "addons:\n  - {name: c}\n";

    assertThatThrownBy(() -> small.parse(three))
        .hasMessageContaining(
            "a stack holds at most 2 manifests and add-ons together; this one has 3");
    assertThatThrownBy(() ->
            small.parse(
                "name: many\nmanifests:\n  - name: a\n    manifest: '{apiVersion: v1, kind: A}'\n"
                    + "    parents: [{manifest: b}, {manifest: c}]\n"))
        .hasMessageContaining("manifests[0].parents holds at most 1 entries; this one has 2");
  }

  @Test
  void refusesSeveralDocumentsInvalidYamlAndDuplicateKeys() {
    assertThatThrownBy(() -> parser.parse("name: a\n---\nname: b\n"))
        .hasMessageContaining("must hold exactly one YAML document, found 2");
    assertThatThrownBy(() -> parser.parse("name: a\n  bad: [\n"))
        .hasMessageContaining("stack document is not valid YAML at line");
    assertThatThrownBy(() -> parser.parse("name: a\nname: b\n"))
        .hasMessageContaining("stack document is not valid YAML")
        .hasMessageContaining("name");
    assertThatThrownBy(() -> parser.parse((String) null))
        .hasMessageContaining("the stack document is required");
  }

  @Test
  void refusesNestingDeeperThanAnyRealStack() {
    String deep = "{a: ".repeat(150) + "1" + "}".repeat(150);

    assertThatThrownBy(() -> parser.parse("name: deep\ndescription: " + deep + "\n"))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("stack document is not valid YAML")
        .hasMessageContaining("nesting depth");
  }

  @Test
  void refusesYamlAliasesWhereTheAgentReadsTheYamlItself() {
    // Jackson reads *ns as the string "ns", not as the value it points to: refused, not misread
    String stackAlias =
        addon("").replace("namespace: default", "namespace: &ns default")
            + "  - name: b\n    chart_name: b\n    chart_version: 1.0.0\n"
            + "    registry_url: https://charts.example.com\n    namespace: *ns\n";
    assertThatThrownBy(() -> parser.parse("name: aliases\n" + stackAlias))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("stack document uses a YAML alias (line 12")
        .hasMessageContaining("write the value out in full");

    String manifestAlias =
        """
        name: aliases
        manifests:
          - name: ns
            manifest: |
              apiVersion: v1
              kind: ConfigMap
              metadata: {name: a}
              data: &d {k: v}
              binaryData: *d
        """;
    assertThatThrownBy(() -> parser.parse(manifestAlias))
        .hasMessageContaining("manifests[0].manifest uses a YAML alias (line 5");
  }

  @Test
  void keepsAnchorsAndAliasesInValuesTextForHelmToResolve() throws CommandException {
    String values = "defaults: &defaults\n  replicas: 2\nweb:\n  <<: *defaults\n";
    StackDefinition stack =
        parser.parse(
            "name: anchors\n"
                + addon("configuration:\n      values: |\n")
                + values.lines().map(l -> "        " + l + "\n").reduce("", String::concat));

    assertThat(stack.addons().getFirst().values()).isEqualTo(values);
  }

  private static String addon(String extra) {
    return "addons:\n  - name: a\n    chart_name: a\n    chart_version: 1.0.0\n"
        + "    registry_url: https://charts.example.com\n    namespace: default\n"
        + (extra.isEmpty() ? "" : "    " + extra);
  }

  private static String addonWithUrl(String url) {
    return addon("").replace("https://charts.example.com", url);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
