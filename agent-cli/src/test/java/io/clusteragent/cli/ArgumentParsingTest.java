package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

class ArgumentParsingTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private AgentCtl parse(Map<String, String> environment, String... args) {
    AgentCtl root =
        new AgentCtl(
            environment,
            new PrintStream(out),
            new PrintStream(err),
            new ByteArrayInputStream(new byte[0]));
    AgentCtl.commandLine(root).parseArgs(args);
    return root;
  }

  private int run(Map<String, String> environment, String... args) {
    return AgentCtl.run(
        environment,
        new PrintStream(out, true),
        new PrintStream(err, true),
        new ByteArrayInputStream(new byte[0]),
        args);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void globalOptionsWorkBeforeAndAfterTheSubcommand() {
    AgentCtl before = parse(Map.of(), "--cluster", "c1", "--timeout", "2s", "ping");
    AgentCtl after = parse(Map.of(), "ping", "--cluster", "c1", "--timeout", "2s");

    for (AgentCtl root : new AgentCtl[] {before, after}) {
      assertThat(root.clusterOrNull()).isEqualTo("c1");
      assertThat(root.timeout()).isEqualTo(Duration.ofSeconds(2));
    }
  }

  @Test
  void aSubcommandDoesNotResetAGlobalOptionGivenBeforeIt() {
    AgentCtl root =
        parse(Map.of(), "--server", "nats://nats.example:4222", "--prefix", "fleet", "info");

    assertThat(root.connectionSettings().url()).isEqualTo("nats://nats.example:4222");
    assertThat(root.prefix()).isEqualTo("fleet");
  }

  @Test
  void defaultsComeFromTheEnvironmentThenFromBuiltIns() {
    AgentCtl fromEnvironment =
        parse(
            Map.of("NATS_URL", "nats://env:4222", "AGENT_CLUSTER_ID", "c9", "NATS_TOKEN", "t0ken"),
            "ping");
    AgentCtl builtIn = parse(Map.of(), "ping");

    assertThat(fromEnvironment.connectionSettings().url()).isEqualTo("nats://env:4222");
    assertThat(fromEnvironment.connectionSettings().token()).isEqualTo("t0ken");
    assertThat(fromEnvironment.clusterOrNull()).isEqualTo("c9");
    assertThat(builtIn.connectionSettings().url()).isEqualTo(NatsConnectionSettings.DEFAULT_URL);
    assertThat(builtIn.clusterOrNull()).as("no cluster means discover").isNull();
    assertThat(builtIn.prefix()).isEqualTo("agent");
    assertThat(builtIn.timeout()).isEqualTo(AgentCtl.DEFAULT_TIMEOUT);
  }

  @Test
  void optionsWinOverTheEnvironment() {
    AgentCtl root =
        parse(
            Map.of("NATS_URL", "nats://env:4222", "AGENT_CLUSTER_ID", "c9"),
            "--server",
            "nats://flag:4222",
            "--cluster",
            "c1",
            "ping");

    assertThat(root.connectionSettings().url()).isEqualTo("nats://flag:4222");
    assertThat(root.clusterOrNull()).isEqualTo("c1");
  }

  @Test
  void anEnvironmentTokenDoesNotClashWithExplicitUserAndPassword() {
    AgentCtl root =
        parse(Map.of("NATS_TOKEN", "t0ken"), "--user", "jane", "--password", "pw", "ping");

    assertThatThrownBy(root::connectionSettings).hasMessageContaining("one way to authenticate");
  }

  @Test
  void twoWaysToAuthenticateAreRefusedWithoutEchoingSecrets() {
    int exit =
        run(
            Map.of(),
            "--token",
            "s3cret-t0ken",
            "--creds",
            "/tmp/x.creds",
            "--cluster",
            "c1",
            "ping");

    assertThat(exit).isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("token and creds file").doesNotContain("s3cret-t0ken");
  }

  @Test
  void aUserNeedsAPasswordAndAPasswordAUser() {
    assertThat(run(Map.of(), "--user", "jane", "--cluster", "c1", "ping"))
        .isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("--user needs --password");
    assertThat(run(Map.of(), "--password", "pw", "--cluster", "c1", "ping"))
        .isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("--password needs --user");
  }

  @Test
  void aPasswordMayComeFromTheEnvironment() {
    AgentCtl root = parse(Map.of("NATS_PASSWORD", "pw"), "--user", "jane", "ping");

    assertThat(root.connectionSettings().password()).isEqualTo("pw");
    assertThat(root.connectionSettings().toString()).contains("user jane").doesNotContain("pw");
  }

  @Test
  void aClusterIdOrPrefixThatIsNotASubjectTokenIsAUsageError() {
    assertThat(
            run(
                Map.of(),
                "--server",
                "nats://127.0.0.1:1",
                "--cluster",
                "a b",
                "--timeout",
                "200ms",
                "ping"))
        .isIn(AgentCtl.EXIT_USAGE, AgentCtl.EXIT_UNREACHABLE);
    assertThat(run(Map.of(), "--prefix", "a.*", "--cluster", "c1", "ping"))
        .isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("prefix must be");
  }

  @Test
  void missingSubcommandOrRequiredOptionIsAUsageError() {
    assertThat(run(Map.of())).isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(run(Map.of(), "send", "--cluster", "c1")).isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("--type");
  }

  @Test
  void creditOutsideOneTo256IsRefusedBeforeConnecting() {
    assertThat(run(Map.of(), "stream", "--type", "logs", "--credit", "0", "--cluster", "c1"))
        .isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(run(Map.of(), "stream", "--type", "logs", "--credit", "257", "--cluster", "c1"))
        .isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("--credit must be 1-256");
  }

  @Test
  void anUnreachableServerIsExitThreeAndHidesCredentialsInTheUrl() {
    int exit =
        run(
            Map.of(),
            "--server",
            "nats://jane:hunter22@127.0.0.1:1",
            "--cluster",
            "c1",
            "--timeout",
            "500ms",
            "ping");

    assertThat(exit).isEqualTo(AgentCtl.EXIT_UNREACHABLE);
    assertThat(stderr())
        .contains("cannot connect to NATS")
        .doesNotContain("hunter22")
        .doesNotContain("jane:");
  }

  @Test
  void anUnreachableServerNeverPrintsTheToken() {
    int exit =
        run(
            Map.of("NATS_TOKEN", "tok-from-env-123"),
            "--cluster",
            "c1",
            "--server",
            "nats://127.0.0.1:1",
            "--timeout",
            "500ms",
            "info");

    assertThat(exit).isEqualTo(AgentCtl.EXIT_UNREACHABLE);
    assertThat(stderr()).doesNotContain("tok-from-env-123");
  }

  @Test
  void redactionHidesWholeSecretsButNotWordsThatContainThem() {
    AgentCtl root = parse(Map.of(), "--token", "tok", "ping");

    assertThat(root.redact("bad token tok at nats://u:p@h:4222"))
        .isEqualTo("bad token *** at nats://***@h:4222");
  }

  @Test
  void invalidPayloadJsonIsAUsageError() {
    assertThat(run(Map.of(), "send", "--type", "x", "--payload", "{nope", "--cluster", "c1"))
        .isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("not JSON");
  }

  @Test
  void payloadsComeInlineFromAFileOrFromStandardInput(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("p.json"), "{\"kind\":\"Pod\"}");

    assertThat(PayloadArgument.read("{\"a\":1}", InputStreamOf("")).get("a").asInt()).isEqualTo(1);
    assertThat(PayloadArgument.read("@" + file, InputStreamOf("")).get("kind").asString())
        .isEqualTo("Pod");
    assertThat(PayloadArgument.read("@-", InputStreamOf("[1,2]")).size()).isEqualTo(2);
    assertThat(PayloadArgument.read(null, InputStreamOf(""))).isNull();
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(DurationConverter.parse("7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(DurationConverter.parse("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> DurationConverter.parse("0s"))
        .isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> DurationConverter.parse("soon"))
        .isInstanceOf(TypeConversionException.class);
  }

  @Test
  void aBadDurationOptionIsAUsageError() {
    assertThat(run(Map.of(), "--timeout", "soon", "ping")).isEqualTo(AgentCtl.EXIT_USAGE);
  }

  @Test
  void helpListsEverySubcommand() {
    CommandLine commandLine =
        AgentCtl.commandLine(
            new AgentCtl(Map.of(), new PrintStream(out), new PrintStream(err), InputStreamOf("")));

    assertThat(commandLine.getSubcommands().keySet())
        .containsExactlyInAnyOrder(
            "ping",
            "info",
            "send",
            "stream",
            "agents",
            "keygen",
            "gateway",
            "api-resources",
            "get",
            "watch",
            "logs",
            "helm",
            "stack",
            "upgrade-agent");
    assertThat(commandLine.getSubcommands().get("helm").getSubcommands().keySet())
        .containsExactlyInAnyOrder(
            "list",
            "status",
            "history",
            "values",
            "manifest",
            "install",
            "upgrade",
            "diff",
            "rollback",
            "uninstall");
  }

  private static ByteArrayInputStream InputStreamOf(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void keygenWritesAPairThatSignsAndVerifiesAndNeverOverwrites(@TempDir Path dir) throws Exception {
    assertThat(run(Map.of(), "keygen", "--out", dir.toString())).isZero();
    var privateKey =
        io.clusteragent.protocol.PlatformKeys.privateKey(
            Files.readString(dir.resolve("platform-signing.key")));
    var publicKeys =
        io.clusteragent.protocol.PlatformKeys.publicKeys(
            Files.readString(dir.resolve("platform-signing.pub")));
    var content =
        io.clusteragent.protocol.SignedContent.control("agent.c1.ctl", new byte[] {1, 2, 3});
    String signature = new io.clusteragent.protocol.MessageSigner(privateKey).sign(content);
    assertThat(io.clusteragent.protocol.SignatureCheck.check(content, signature, publicKeys))
        .isEqualTo(io.clusteragent.protocol.SignatureCheck.Verdict.VALID);
    assertThat(Files.getPosixFilePermissions(dir.resolve("platform-signing.key")))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

    assertThat(run(Map.of(), "keygen", "--out", dir.toString())).isEqualTo(AgentCtl.EXIT_USAGE);
    assertThat(stderr()).contains("refusing to overwrite");
  }

  @Test
  void aCommandWithoutASigningKeyIsAUsageErrorNamingTheWayOut(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.key");
    Files.writeString(bad, "not a key");
    assertThat(
            run(
                Map.of("AGENTCTL_SIGNING_KEY_FILE", bad.toString()),
                "--server",
                "nats://127.0.0.1:1",
                "--timeout",
                "200ms",
                "--cluster",
                "c1",
                "ping"))
        .as("unreachable comes first")
        .isEqualTo(3);
    AgentCtl root = parse(Map.of("AGENTCTL_SIGNING_KEY_FILE", bad.toString()), "ping");
    assertThatThrownBy(root::signer)
        .hasMessageContaining("signing key")
        .hasMessageNotContaining("not a key");
    AgentCtl none = parse(Map.of(), "ping");
    assertThatThrownBy(none::signer).hasMessageContaining("AGENTCTL_SIGNING_KEY_FILE");
  }
}
