package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.natsbridge.connection.NatsHealth;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustedCa;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.support.JwtUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The agent connects with each way it can prove itself to NATS (token, user/password, bare NKey,
 * decentralised-auth .creds, and TLS with a private CA), each against its own real nats-server
 * configured to demand exactly that; and a wrong credential leaves it down, with a reason that does
 * not repeat the secret.
 */
@WithTestEnvironment
class NatsAuthModesTest {

  private static final Duration REFUSAL_WAIT = Duration.ofSeconds(30);

  @Test
  void token(TestEnvironment env, @TempDir Path dir) throws Exception {
    String token = secret();
    try (NatsServer server =
        NatsServer.start(env, dir, "token", "authorization { token: \"" + token + "\" }\n")) {
      Consumer<Options.Builder> platform = o -> o.token(token.toCharArray());
      assertServes(server, "auth-token", Map.of("agent.nats.token", token), platform);

      String wrong = secret();
      assertRefused(
          server,
          "auth-token-wrong",
          Map.of("agent.nats.token", wrong),
          platform,
          List.of(wrong, token));
    }
  }

  @Test
  void userAndPassword(TestEnvironment env, @TempDir Path dir) throws Exception {
    String agentPassword = secret();
    String platformPassword = secret();
    String config =
        "authorization {\n  users = [\n"
            + "    { user: \"agent\", password: \""
            + agentPassword
            + "\" }\n"
            + "    { user: \"platform\", password: \""
            + platformPassword
            + "\" }\n"
            + "  ]\n}\n";
    try (NatsServer server = NatsServer.start(env, dir, "user-password", config)) {
      Consumer<Options.Builder> platform =
          o -> o.userInfo("platform".toCharArray(), platformPassword.toCharArray());
      assertServes(
          server,
          "auth-userpass",
          Map.of("agent.nats.user", "agent", "agent.nats.password", agentPassword),
          platform);

      String wrong = secret();
      assertRefused(
          server,
          "auth-userpass-wrong",
          Map.of("agent.nats.user", "agent", "agent.nats.password", wrong),
          platform,
          List.of(wrong, agentPassword));
    }
  }

  @Test
  void bareNKeyFromASeedFile(TestEnvironment env, @TempDir Path dir) throws Exception {
    NKey agentKey = NKey.createUser(new SecureRandom());
    NKey platformKey = NKey.createUser(new SecureRandom());
    String config =
        "authorization {\n  users = [\n"
            + "    { nkey: \""
            + publicKey(agentKey)
            + "\" }\n"
            + "    { nkey: \""
            + publicKey(platformKey)
            + "\" }\n"
            + "  ]\n}\n";
    Path seedFile = write(dir.resolve("agent.nk"), seed(agentKey) + "\n");
    try (NatsServer server = NatsServer.start(env, dir, "nkey", config)) {
      AuthHandler platformAuth = nkeyAuth(platformKey);
      Consumer<Options.Builder> platform = o -> o.authHandler(platformAuth);
      assertServes(
          server, "auth-nkey", Map.of("agent.nats.nkey-seed-file", seedFile.toString()), platform);

      NKey unknown = NKey.createUser(new SecureRandom());
      Path unknownSeedFile = write(dir.resolve("unknown.nk"), seed(unknown) + "\n");
      assertRefused(
          server,
          "auth-nkey-wrong",
          Map.of("agent.nats.nkey-seed-file", unknownSeedFile.toString()),
          platform,
          List.of(seed(unknown), seed(agentKey)));
    }
  }

  /**
   * Operator mode: operator → account → user JWTs, the server trusting the operator and preloading
   * the account.
   */
  @Test
  void credsFileWithUserJwtAndSeed(TestEnvironment env, @TempDir Path dir) throws Exception {
    NKey operator = NKey.createOperator(new SecureRandom());
    NKey account = NKey.createAccount(new SecureRandom());
    NKey systemAccount = NKey.createAccount(new SecureRandom());
    String operatorJwt =
        jwt(operator, operator, "test-operator", "{\"type\":\"operator\",\"version\":2}");
    String accountJwt = jwt(operator, account, "agents", ACCOUNT_CLAIMS);
    String systemAccountJwt = jwt(operator, systemAccount, "SYS", ACCOUNT_CLAIMS);
    String config =
        "operator: "
            + operatorJwt
            + "\n"
            + "system_account: "
            + publicKey(systemAccount)
            + "\n"
            + "resolver: MEMORY\n"
            + "resolver_preload: {\n"
            + "  "
            + publicKey(account)
            + ": "
            + accountJwt
            + "\n"
            + "  "
            + publicKey(systemAccount)
            + ": "
            + systemAccountJwt
            + "\n"
            + "}\n";
    String agentCreds = creds(account, NKey.createUser(new SecureRandom()), "agent");
    String platformCreds = creds(account, NKey.createUser(new SecureRandom()), "platform");
    Path credsFile = write(dir.resolve("agent.creds"), agentCreds);
    try (NatsServer server = NatsServer.start(env, dir, "creds", config)) {
      Consumer<Options.Builder> platform =
          o ->
              o.authHandler(Nats.staticCredentials(platformCreds.getBytes(StandardCharsets.UTF_8)));
      assertServes(
          server, "auth-creds", Map.of("agent.nats.creds-file", credsFile.toString()), platform);

      // well-formed creds, but the user is issued by an account the operator never signed
      NKey strangerAccount = NKey.createAccount(new SecureRandom());
      NKey strangerUser = NKey.createUser(new SecureRandom());
      String strangerCreds = creds(strangerAccount, strangerUser, "stranger");
      Path strangerFile = write(dir.resolve("stranger.creds"), strangerCreds);
      assertRefused(
          server,
          "auth-creds-wrong",
          Map.of("agent.nats.creds-file", strangerFile.toString()),
          platform,
          List.of(seed(strangerUser), userJwtOf(strangerCreds), userJwtOf(agentCreds)));
    }
  }

  /**
   * TLS with a private CA: trusted through agent.nats.tls-ca-file, refused by the default trust
   * store without it.
   */
  @Test
  void tlsWithAPrivateCa(TestEnvironment env, @TempDir Path dir) throws Exception {
    Path ca = dir.resolve("ca.pem");
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    Path ext =
        write(
            dir.resolve("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        ca.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=cluster-agent test CA");
    openssl(
        dir,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        ca.toString(),
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-extfile",
        ext.toString());
    String config =
        "tls {\n  cert_file: \"" + cert + "\"\n  key_file: \"" + key + "\"\n  timeout: 5\n}\n";
    try (NatsServer server = NatsServer.start(env, dir, "tls", config)) {
      String url = "tls://127.0.0.1:" + server.port();
      SSLContext trustingCa = TrustedCa.sslContext(ca);
      Consumer<Options.Builder> platform = o -> o.sslContext(trustingCa);
      assertServes(
          server, url, "auth-tls", Map.of("agent.nats.tls-ca-file", ca.toString()), platform);

      // without the CA file the JVM's default trust store rejects the server's certificate
      long handshakeErrorsBefore = server.countLog("TLS handshake error");
      try (RunningAgent agent =
          RunningAgent.startWithoutWaiting(url, "auth-tls-untrusted", Map.of())) {
        server.awaitLogCount("TLS handshake error", handshakeErrorsBefore + 2, REFUSAL_WAIT);
        // no -ERR from the server here (the handshake fails first), so the reason is the agent's
        // own
        assertDown(agent, List.of(), false);
        assertNobodyServes(server, url, "auth-tls-untrusted", platform);
      }
    }
  }

  // ------------------------------------------------------------------ assertions

  private static void assertServes(
      NatsServer server,
      String clusterId,
      Map<String, Object> agentProps,
      Consumer<Options.Builder> platformAuth)
      throws Exception {
    assertServes(server, server.url(), clusterId, agentProps, platformAuth);
  }

  /**
   * The agent comes up, serves commands and is healthy; the platform's ping round-trips through the
   * server.
   */
  private static void assertServes(
      NatsServer server,
      String url,
      String clusterId,
      Map<String, Object> agentProps,
      Consumer<Options.Builder> platformAuth)
      throws Exception {
    try (RunningAgent agent = RunningAgent.start(url, clusterId, agentProps);
        Connection nats = platformConnection(url, platformAuth)) {
      var reply =
          new PlatformClient(nats, "agent", clusterId, TestEnvironment.get().platformSigner())
              .request("ping", null, Duration.ofSeconds(10));
      assertThat(reply.ok()).as("ping answered ok through %s", server.name()).isTrue();
      assertThat(agent.bean(NatsHealth.class).health().getStatus()).isEqualTo(Status.UP);
    }
  }

  /**
   * With a credential the server rejects, the agent stays down (retrying), says why, and never
   * repeats the secrets in its health; nobody answers commands for its cluster.
   */
  private static void assertRefused(
      NatsServer server,
      String clusterId,
      Map<String, Object> agentProps,
      Consumer<Options.Builder> platformAuth,
      List<String> secrets)
      throws Exception {
    long refusalsBefore = server.countLog("authentication error");
    try (RunningAgent agent =
        RunningAgent.startWithoutWaiting(server.url(), clusterId, agentProps)) {
      // the server saw the agent try, and turned it away at least twice (so it keeps retrying,
      // still refused)
      server.awaitLogCount("authentication error", refusalsBefore + 2, REFUSAL_WAIT);
      Health health = assertDown(agent, secrets, true);
      assertThat(String.valueOf(health.getDetails().get("reason")))
          .containsIgnoringCase("authorization violation");
      assertNobodyServes(server, server.url(), clusterId, platformAuth);
    }
  }

  private static Health assertDown(
      RunningAgent agent, List<String> secrets, boolean awaitServerError) {
    NatsHealth natsHealth = agent.bean(NatsHealth.class);
    // the server's -ERR reaches the agent a moment after the server logs it
    long until = System.nanoTime() + Duration.ofSeconds(awaitServerError ? 10 : 0).toNanos();
    Health health = natsHealth.health();
    while (String.valueOf(health.getDetails().get("reason")).startsWith("not connected yet")
        && System.nanoTime() < until) {
      RunningAgent.sleep(50);
      health = natsHealth.health();
    }
    assertThat(agent.bean(NatsBridge.class).serving()).as("serving commands").isFalse();
    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    String reason = String.valueOf(health.getDetails().get("reason"));
    assertThat(reason).isNotBlank();
    for (String secret : secrets) {
      // no AssertJ message here: a failure must not print the secret either
      assertThat(reason.contains(secret)).as("the health reason contains a secret").isFalse();
    }
    return health;
  }

  private static void assertNobodyServes(
      NatsServer server, String url, String clusterId, Consumer<Options.Builder> platformAuth)
      throws Exception {
    try (Connection nats = platformConnection(url, platformAuth)) {
      PlatformClient platform =
          new PlatformClient(nats, "agent", clusterId, TestEnvironment.get().platformSigner());
      assertThatThrownBy(() -> platform.request("ping", null, Duration.ofSeconds(2)))
          .as("a ping for %s through %s", clusterId, server.name())
          .isInstanceOf(NoReplyException.class);
    }
  }

  private static Connection platformConnection(String url, Consumer<Options.Builder> auth)
      throws IOException, InterruptedException {
    Options.Builder options =
        Options.builder().server(url).connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0);
    auth.accept(options);
    return Nats.connect(options.build());
  }

  // ------------------------------------------------------------------ credentials

  private static final String ACCOUNT_CLAIMS =
      "{\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,"
          + "\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1},\"default_permissions\":{\"pub\":{},\"sub\":{}},"
          + "\"type\":\"account\",\"version\":2}";
  private static final String USER_CLAIMS =
      "{\"pub\":{},\"sub\":{},\"subs\":-1,\"data\":-1,\"payload\":-1,\"type\":\"user\",\"version\":2}";

  private static String secret() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** A NATS JWT v2 (ADR-14) for {@code subject}, issued and signed by {@code issuer}. */
  private static String jwt(NKey issuer, NKey subject, String name, String natsClaims)
      throws GeneralSecurityException, IOException {
    return JwtUtils.issueJWT(
        issuer,
        publicKey(subject),
        name,
        null,
        JwtUtils.currentTimeSeconds(),
        publicKey(issuer),
        () -> natsClaims);
  }

  /** A standard .creds file: a user JWT issued by {@code account}, then the user's seed. */
  private static String creds(NKey account, NKey user, String name)
      throws GeneralSecurityException, IOException {
    return String.format(
        JwtUtils.NATS_USER_JWT_FORMAT, jwt(account, user, name, USER_CLAIMS), seed(user));
  }

  private static String userJwtOf(String creds) {
    String begin = "-----BEGIN NATS USER JWT-----\n";
    int from = creds.indexOf(begin) + begin.length();
    return creds.substring(from, creds.indexOf('\n', from));
  }

  /** The platform's side of a bare NKey: jnats' own handler, as the agent and agentctl use. */
  private static AuthHandler nkeyAuth(NKey key) throws GeneralSecurityException, IOException {
    return Nats.staticCredentials(null, key.getSeed());
  }

  private static String publicKey(NKey key) throws GeneralSecurityException, IOException {
    return new String(key.getPublicKey());
  }

  private static String seed(NKey key) throws GeneralSecurityException, IOException {
    return new String(key.getSeed());
  }

  private static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
    }
  }

  // ------------------------------------------------------------------ nats-server

  /**
   * One nats-server of the test environment's build, with its own config, on a free loopback port;
   * log in target/.
   */
  private static final class NatsServer implements AutoCloseable {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private NatsServer(String name, int port, Process process, Path log) {
      this.name = name;
      this.port = port;
      this.process = process;
      this.log = log;
    }

    static NatsServer start(TestEnvironment env, Path dir, String name, String config)
        throws Exception {
      Path binary = Path.of(env.variables().get("TESTENV_BIN"), "nats-server");
      Path configFile = write(dir.resolve(name + ".conf"), config);
      Path logDir = Files.createDirectories(Path.of("target", "nats-auth-modes"));
      Path log = logDir.resolve(name + ".log").toAbsolutePath();
      int port = freePort();
      Process process =
          new ProcessBuilder(
                  binary.toString(),
                  "-c",
                  configFile.toString(),
                  "-a",
                  "127.0.0.1",
                  "-p",
                  Integer.toString(port),
                  "-n",
                  "auth-" + name)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      NatsServer server = new NatsServer(name, port, process, log);
      try {
        server.awaitPort(Duration.ofSeconds(20));
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      return server;
    }

    String name() {
      return "nats-server " + name + " (log " + log + ")";
    }

    int port() {
      return port;
    }

    String url() {
      return "nats://127.0.0.1:" + port;
    }

    long countLog(String text) {
      try {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
            .filter(line -> line.contains(text))
            .count();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void awaitLogCount(String text, long count, Duration timeout) {
      long until = System.nanoTime() + timeout.toNanos();
      while (countLog(text) < count) {
        if (System.nanoTime() > until) {
          throw new AssertionError(
              name() + " did not log \"" + text + "\" " + count + " times within " + timeout);
        }
        RunningAgent.sleep(50);
      }
    }

    private void awaitPort(Duration timeout) {
      long until = System.nanoTime() + timeout.toNanos();
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name() + " exited with " + process.exitValue());
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
          return;
        } catch (IOException notYet) {
          if (System.nanoTime() > until) {
            throw new IllegalStateException(
                name() + " did not open port " + port + " within " + timeout);
          }
          RunningAgent.sleep(50);
        }
      }
    }

    private static int freePort() throws IOException {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
