package io.clusteragent.cli;

import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.ErrorBody;
import io.clusteragent.protocol.Heartbeat;
import io.clusteragent.protocol.MessageSigner;
import io.clusteragent.protocol.PlatformKeys;
import io.clusteragent.protocol.Subjects;
import io.nats.client.Connection;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * agentctl: acts as the platform towards a cluster agent from a terminal. Global options may come
 * before or after the subcommand. Defaults for the server, cluster and token come from the
 * environment, so secrets need not appear on command lines; they are never echoed.
 */
@Command(
    name = "agentctl",
    mixinStandardHelpOptions = true,
    version = "agentctl (protocol v1)",
    usageHelpAutoWidth = true,
    description = "Acts as the platform towards a cluster agent over NATS.",
    subcommands = {
      AgentCtl.Ping.class,
      AgentCtl.Info.class,
      AgentCtl.Send.class,
      AgentCtl.StreamCommand.class,
      AgentCtl.Agents.class,
      AgentCtl.Keygen.class,
      AgentCtl.Gateway.class,
      BrowseCommands.ApiResources.class,
      BrowseCommands.Get.class,
      BrowseCommands.Watch.class,
      BrowseCommands.Logs.class,
      HelmCommands.class,
      StackCommands.class,
      UpgradeAgentCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 bad usage, 2 the agent answered with an error, 3 NATS or the agent could not be reached."
    })
public final class AgentCtl implements Runnable {

  static final int EXIT_OK = 0;
  static final int EXIT_USAGE = 1;
  static final int EXIT_AGENT_ERROR = 2;
  static final int EXIT_UNREACHABLE = 3;
  static final int EXIT_INTERRUPTED = 130;

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * A little over the agent's default 30 s heartbeat interval, so every running agent is heard
   * once.
   */
  static final Duration DEFAULT_DISCOVER_WAIT = Duration.ofSeconds(31);

  private final Map<String, String> environment;
  final PrintStream out;
  final PrintStream err;
  private final InputStream in;

  @Spec CommandSpec spec;

  // No defaultValue on inherited options: defaults are resolved in code, so a subcommand's copy of
  // an option can never overwrite a value given before the subcommand.
  @Option(
      names = "--server",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      description =
          "NATS server URL (default: $NATS_URL, else " + NatsConnectionSettings.DEFAULT_URL + ").")
  String server;

  @Option(
      names = "--cluster",
      paramLabel = "ID",
      scope = ScopeType.INHERIT,
      description =
          "Cluster id (default: $AGENT_CLUSTER_ID, else the only agent heard in heartbeats).")
  String cluster;

  @Option(
      names = "--prefix",
      paramLabel = "PREFIX",
      scope = ScopeType.INHERIT,
      description = "Subject prefix (default: agent).")
  String prefix;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = ScopeType.INHERIT,
      description = "NATS token (default: $NATS_TOKEN).")
  String token;

  @Option(
      names = "--user",
      paramLabel = "USER",
      scope = ScopeType.INHERIT,
      description = "NATS user; needs --password.")
  String user;

  @Option(
      names = "--password",
      paramLabel = "PASSWORD",
      scope = ScopeType.INHERIT,
      description = "NATS password (default: $NATS_PASSWORD).")
  String password;

  @Option(
      names = "--creds",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "NATS .creds file (JWT + NKey seed).")
  Path creds;

  @Option(
      names = "--nkey-seed",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "File holding a bare NKey seed.")
  Path nkeySeed;

  @Option(
      names = "--signing-key",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "The platform's Ed25519 private key (PEM) that signs every command (default: $AGENTCTL_SIGNING_KEY_FILE).")
  Path signingKey;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      scope = ScopeType.INHERIT,
      converter = DurationConverter.class,
      description = "Connect and reply timeout, e.g. 500ms, 10s (default: 10s).")
  Duration timeout;

  @Option(
      names = "--discover-wait",
      paramLabel = "DURATION",
      scope = ScopeType.INHERIT,
      converter = DurationConverter.class,
      description = "How long to listen for heartbeats when no cluster is given (default: 31s).")
  Duration discoverWait;

  public AgentCtl(
      Map<String, String> environment, PrintStream out, PrintStream err, InputStream in) {
    this.environment = Map.copyOf(environment);
    this.out = out;
    this.err = err;
    this.in = in;
  }

  public static void main(String[] args) {
    System.exit(run(System.getenv(), System.out, System.err, System.in, args));
  }

  /**
   * Runs one invocation and returns its exit code; everything it prints goes to {@code out}/{@code
   * err}.
   */
  public static int run(
      Map<String, String> environment,
      PrintStream out,
      PrintStream err,
      InputStream in,
      String... args) {
    AgentCtl root = new AgentCtl(environment, out, err, in);
    return commandLine(root).execute(args);
  }

  static CommandLine commandLine(AgentCtl root) {
    CommandLine commandLine = new CommandLine(root);
    commandLine.setOut(new java.io.PrintWriter(root.out, true));
    commandLine.setErr(new java.io.PrintWriter(root.err, true));
    commandLine.setParameterExceptionHandler((e, args) -> {
      root.err.println("agentctl: " + root.redact(e.getMessage()));
      root.err.println(
          "Try 'agentctl --help'"
              + (e.getCommandLine() == commandLine
                  ? ""
                  : " or 'agentctl " + e.getCommandLine().getCommandName() + " --help'")
              + ".");
      return EXIT_USAGE;
    });
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> root.report(e));
    return commandLine;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand");
  }

  // ---- resolved options -------------------------------------------------------------------

  NatsConnectionSettings connectionSettings() {
    try {
      return new NatsConnectionSettings(
          firstNonBlank(server, environment.get("NATS_URL"), NatsConnectionSettings.DEFAULT_URL),
          firstNonBlank(token, environment.get("NATS_TOKEN")),
          user,
          user == null ? password : firstNonBlank(password, environment.get("NATS_PASSWORD")),
          creds,
          nkeySeed,
          timeout());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * The signer for the platform key from --signing-key or $AGENTCTL_SIGNING_KEY_FILE. Agents refuse
   * unsigned commands, so a missing key is a usage error, not a silent unsigned send.
   */
  MessageSigner signer() {
    String file =
        signingKey != null ? signingKey.toString() : environment.get("AGENTCTL_SIGNING_KEY_FILE");
    if (file == null || file.isBlank()) {
      throw new ParameterException(
          spec.commandLine(),
          "no signing key: agents obey only signed commands; pass --signing-key FILE or set AGENTCTL_SIGNING_KEY_FILE"
              + " (agentctl keygen makes a key pair; bin/testenv env exports the test environment's)");
    }
    try {
      return new MessageSigner(
          PlatformKeys.privateKey(java.nio.file.Files.readString(Path.of(file))));
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(),
          "cannot read the signing key " + file + ": " + e.getClass().getSimpleName());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "signing key " + file + ": " + e.getMessage());
    }
  }

  /** A variable of agentctl's environment (as given to it, so tests can set one). */
  String environment(String name) {
    return environment.get(name);
  }

  /** The cluster from --cluster or $AGENT_CLUSTER_ID; null means "discover". */
  String clusterOrNull() {
    return firstNonBlank(cluster, environment.get("AGENT_CLUSTER_ID"));
  }

  String prefix() {
    return firstNonBlank(prefix, PlatformClient.DEFAULT_PREFIX);
  }

  Duration timeout() {
    return timeout == null ? DEFAULT_TIMEOUT : timeout;
  }

  Duration discoverWait() {
    return discoverWait == null ? DEFAULT_DISCOVER_WAIT : discoverWait;
  }

  // ---- running -----------------------------------------------------------------------------

  @FunctionalInterface
  interface ClientWork {
    int run(PlatformClient client) throws Exception;
  }

  @FunctionalInterface
  interface ConnectionWork {
    int run(Connection connection) throws Exception;
  }

  int withConnection(ConnectionWork work) throws Exception {
    NatsConnectionSettings settings = connectionSettings();
    String checkedPrefix = prefix();
    try {
      new Subjects(checkedPrefix, "x");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Connection connection;
    try {
      connection = settings.connect();
    } catch (IOException e) {
      throw new CommandFailure(
          EXIT_UNREACHABLE,
          "cannot connect to NATS at " + settings.redact(settings.url()) + ": " + e.getMessage());
    }
    try {
      return work.run(connection);
    } finally {
      connection.close();
    }
  }

  int withClient(ClientWork work) throws Exception {
    return withConnection(connection -> {
      String clusterId = clusterOrNull();
      if (clusterId == null) {
        err.println(
            "agentctl: no --cluster or AGENT_CLUSTER_ID; listening "
                + discoverWait().toSeconds()
                + " s for agent heartbeats on "
                + Subjects.allHeartbeats(prefix())
                + " ...");
        List<Heartbeat> agents = PlatformClient.agents(connection, prefix(), discoverWait());
        clusterId = ClusterDiscovery.onlyCluster(agents, prefix(), discoverWait());
        err.println("agentctl: using cluster " + clusterId);
      }
      try {
        new Subjects(prefix(), clusterId);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      return work.run(new PlatformClient(connection, prefix(), clusterId, signer()));
    });
  }

  /** Turns a reply into output, or into exit code 2 with the agent's code and message. */
  JsonNode okJson(Reply reply) {
    requireOk(reply);
    return reply.json();
  }

  void requireOk(Reply reply) {
    if (reply.ok()) {
      return;
    }
    ErrorBody error = reply.error();
    if (error != null) {
      throw new CommandFailure(EXIT_AGENT_ERROR, describe(error));
    }
    String body = reply.text();
    throw new CommandFailure(
        EXIT_AGENT_ERROR,
        (reply.status() == null
                ? "reply without " + io.clusteragent.protocol.Headers.STATUS + " header"
                : "error reply with an unreadable body")
            + (body.isEmpty() ? "" : ": " + body));
  }

  static String describe(ErrorBody error) {
    return error.code()
        + ": "
        + error.message()
        + (error.retryAfterMs() == null ? "" : " (retry after " + error.retryAfterMs() + " ms)");
  }

  int report(Exception e) {
    int code;
    String message;
    switch (e) {
      case CommandFailure failure -> {
        code = failure.exitCode();
        message = failure.getMessage();
      }
      case NoReplyException noReply -> {
        code = EXIT_UNREACHABLE;
        message = noReply.getMessage();
      }
      case StreamLines.StreamFailedException failed -> {
        code = failed.error() == null ? EXIT_UNREACHABLE : EXIT_AGENT_ERROR;
        message = failed.error() == null ? failed.getMessage() : describe(failed.error());
      }
      case StreamProtocolException broken -> {
        code = EXIT_UNREACHABLE;
        message = "stream broken: " + broken.getMessage();
      }
      case NoSuchElementException none -> {
        code = EXIT_UNREACHABLE;
        message = none.getMessage();
      }
      case IOException io -> {
        code = EXIT_UNREACHABLE;
        message = io.getMessage();
      }
      case InterruptedException interrupted -> {
        code = EXIT_INTERRUPTED;
        message = "interrupted";
      }
      case IllegalArgumentException invalid -> {
        code = EXIT_USAGE;
        message = invalid.getMessage();
      }
      case IllegalStateException invalid -> {
        code = EXIT_USAGE;
        message = invalid.getMessage();
      }
      default -> {
        code = EXIT_USAGE;
        message = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage();
      }
    }
    err.println("agentctl: " + redact(message));
    return code;
  }

  /** Hides whatever secrets were given, in whichever form, from text for the terminal. */
  String redact(String text) {
    if (text == null) {
      return null;
    }
    String redacted = text.replaceAll("(?<=://)[^/@\\s]+@", "***@");
    for (String secret :
        new String[] {
          token, password, environment.get("NATS_TOKEN"), environment.get("NATS_PASSWORD")
        }) {
      if (secret != null && !secret.isBlank()) {
        // Whole words only: a short secret must not mangle ordinary words that contain it.
        redacted =
            redacted.replaceAll(
                "(?<![A-Za-z0-9])" + Pattern.quote(secret) + "(?![A-Za-z0-9])", "***");
      }
    }
    return redacted;
  }

  static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  // ---- subcommands -------------------------------------------------------------------------

  @Command(
      name = "ping",
      description = "Round trip to the agent: prints pong, the replica and the time taken.")
  static final class Ping implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Override
    public Integer call() throws Exception {
      return root.withClient(client -> {
        Envelope envelope = client.envelope("ping", null, root.timeout(), null);
        // Serialise once untimed: the first use of the JSON mapper costs more than the round trip.
        WireJson.MAPPER.writeValueAsBytes(envelope);
        long started = System.nanoTime();
        Reply reply = client.request(envelope, root.timeout().plus(PlatformClient.REPLY_GRACE));
        long millis = (System.nanoTime() - started) / 1_000_000;
        JsonNode body = root.okJson(reply);
        String instance =
            reply.instance() != null ? reply.instance() : body.path("instance").asString("?");
        root.out.println("pong from " + instance + " in " + millis + " ms");
        return EXIT_OK;
      });
    }
  }

  @Command(
      name = "info",
      description = "Prints the agent's versions, node count and settings summary as JSON.")
  static final class Info implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Override
    public Integer call() throws Exception {
      return root.withClient(client -> {
        root.out.println(
            root.okJson(client.request("info", null, root.timeout())).toPrettyString());
        return EXIT_OK;
      });
    }
  }

  @Command(
      name = "send",
      description = "Sends any unary command and prints the reply body (JSON pretty-printed).")
  static final class Send implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Option(
        names = "--type",
        required = true,
        paramLabel = "TYPE",
        description = "Command type, e.g. ping, info.")
    String type;

    @Option(
        names = "--payload",
        paramLabel = "JSON|@FILE",
        description = "Payload: inline JSON, @file, or @- for stdin.")
    String payload;

    @Override
    public Integer call() throws Exception {
      JsonNode body = PayloadArgument.read(payload, root.in);
      return root.withClient(client -> {
        Reply reply = client.request(type, body, root.timeout());
        root.requireOk(reply);
        String contentType = reply.contentType();
        if (contentType == null || contentType.startsWith("application/json")) {
          root.out.println(reply.json().toPrettyString());
        } else {
          root.out.write(reply.body());
          root.out.flush();
        }
        return EXIT_OK;
      });
    }
  }

  @Command(
      name = "stream",
      description = {
        "Runs a streaming command: data frames go to stdout as they arrive,",
        "the end summary or error to stderr. Ctrl-C cancels the stream on the agent."
      })
  static final class StreamCommand implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "Command type.")
    String type;

    @Option(
        names = "--payload",
        paramLabel = "JSON|@FILE",
        description = "Payload: inline JSON, @file, or @- for stdin.")
    String payload;

    @Option(
        names = "--credit",
        paramLabel = "N",
        defaultValue = "8",
        description = "Frames the agent may send ahead, 1-256 (default: 8).")
    int credit;

    @Option(
        names = "--deadline",
        paramLabel = "DURATION",
        defaultValue = "1h",
        converter = DurationConverter.class,
        description = "How long the agent may run the stream (default: 1h).")
    Duration deadline;

    @Option(
        names = "--idle-timeout",
        paramLabel = "DURATION",
        defaultValue = "30s",
        converter = DurationConverter.class,
        description = "Give up when not even a heartbeat arrives for this long (default: 30s).")
    Duration idleTimeout;

    @Option(names = "--verbose", description = "Also report heartbeat and credit frames on stderr.")
    boolean verbose;

    /** Set by commands built on this one (agentctl logs): no end-of-stream note on stderr. */
    boolean quiet;

    @Option(
        names = "--stdin",
        description = {
          "Send stdin as the stream's input (exec stdin, port-forward bytes),",
          "under the agent's input credit; end of stdin ends the input."
        })
    boolean stdin;

    @Spec CommandSpec spec;

    /** Input frames stay well under any NATS max_payload and the agent's default frame size. */
    static final int INPUT_FRAME_BYTES = 32 * 1024;

    @Override
    public Integer call() throws Exception {
      if (credit < 1 || credit > 256) {
        throw new ParameterException(spec.commandLine(), "--credit must be 1-256, got " + credit);
      }
      if (stdin && payload != null && payload.equals("@-")) {
        throw new ParameterException(
            spec.commandLine(), "--stdin and --payload @- both want stdin");
      }
      JsonNode body = PayloadArgument.read(payload, root.in);
      return root.withClient(client -> {
        try (PlatformStream stream = client.openStream(type, body, credit, deadline)) {
          Thread cancelOnExit =
              new Thread(() -> {
                if (!stream.finished()) {
                  root.err.println("agentctl: cancelling stream " + stream.id());
                  cancelAndFlush(client, stream, "interrupted by the user");
                }
              });
          Runtime.getRuntime().addShutdownHook(cancelOnExit);
          Thread feeder =
              stdin ? Thread.ofVirtual().name("agentctl-stdin").start(() -> feed(stream)) : null;
          try {
            return pump(client, stream);
          } finally {
            if (feeder != null) {
              feeder.interrupt();
            }
            removeHook(cancelOnExit);
          }
        }
      });
    }

    /** Copies stdin into the stream's input until stdin ends, then ends the input. */
    private void feed(PlatformStream stream) {
      byte[] buffer = new byte[INPUT_FRAME_BYTES];
      try {
        int read;
        while ((read = root.in.read(buffer)) >= 0) {
          if (read > 0
              && !stream.write(
                  java.util.Arrays.copyOf(buffer, read), INPUT_FRAME_BYTES, idleTimeout)) {
            root.err.println(
                "agentctl: the agent granted no input credit for "
                    + idleTimeout.toSeconds()
                    + " s; input stopped");
            return;
          }
        }
        stream.endInput();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.io.IOException | RuntimeException e) {
        root.err.println("agentctl: input stopped: " + e.getMessage());
      }
    }

    private int pump(PlatformClient client, PlatformStream stream) throws InterruptedException {
      while (true) {
        Frame frame;
        try {
          frame = stream.next(idleTimeout);
        } catch (StreamProtocolException broken) {
          cancelAndFlush(client, stream, "platform saw " + broken.violation());
          throw broken;
        }
        if (frame == null) {
          cancelAndFlush(client, stream, "no frame for " + idleTimeout.toSeconds() + " s");
          throw new NoReplyException(
              NoReplyException.Reason.TIMEOUT,
              "no frame, not even a heartbeat, for "
                  + idleTimeout.toMillis()
                  + " ms on stream "
                  + stream.id());
        }
        switch (frame.kind()) {
          case DATA -> {
            root.out.write(frame.body(), 0, frame.body().length);
            root.out.flush();
          }
          case HEARTBEAT -> {
            if (verbose) {
              root.err.println("agentctl: heartbeat, seq " + frame.seq());
            }
          }
          case CREDIT -> {
            if (verbose) {
              root.err.println("agentctl: agent takes " + frame.credit() + " more input frame(s)");
            }
          }
          case END -> {
            if (quiet) {
              return EXIT_OK;
            }
            root.err.println(
                "agentctl: end of stream "
                    + stream.id()
                    + " after "
                    + stream.dataFrames()
                    + " data frames"
                    + (frame.body().length == 0 ? "" : ": " + frame.text()));
            return EXIT_OK;
          }
          case ERROR -> {
            ErrorBody error = frame.error();
            throw new CommandFailure(
                EXIT_AGENT_ERROR,
                "stream "
                    + stream.id()
                    + " failed: "
                    + (error != null ? describe(error) : frame.text()));
          }
        }
      }
    }

    private static void cancelAndFlush(
        PlatformClient client, PlatformStream stream, String reason) {
      if (stream.finished() || client.connection().getStatus() != Connection.Status.CONNECTED) {
        return;
      }
      try {
        stream.cancel(reason);
        client.connection().flush(Duration.ofSeconds(1));
      } catch (Exception ignored) {
        // Best effort: the agent reaps a stream nobody reads through its stall timeout anyway.
      }
    }

    private static void removeHook(Thread hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is already running; it does the cancelling.
      }
    }
  }

  @Command(
      name = "gateway",
      description = {
        "Serves the Kubernetes API of the agent's cluster on 127.0.0.1 for kubectl, helm or any client:",
        "each request is tunnelled over NATS and run as the identity given here. Writes a kubeconfig",
        "for it and serves until interrupted."
      })
  static final class Gateway implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Option(
        names = "--as",
        required = true,
        paramLabel = "USER",
        description = "The user requests run as (the cluster's RBAC decides).")
    String user;

    @Option(
        names = "--as-group",
        paramLabel = "GROUP",
        description = "A group of that user; repeatable.")
    List<String> groups = new java.util.ArrayList<>();

    @Option(
        names = "--kubeconfig",
        required = true,
        paramLabel = "FILE",
        description = "Where to write the kubeconfig that points at the gateway.")
    Path kubeconfig;

    @Option(
        names = "--port",
        paramLabel = "PORT",
        defaultValue = "0",
        description = "Port on 127.0.0.1 (default: any free one).")
    int port;

    @Override
    public Integer call() throws Exception {
      return root.withClient(client -> {
        try (KubeGateway gateway = new KubeGateway(client, user, groups, port, root.err)) {
          java.nio.file.Files.writeString(
              kubeconfig, gateway.kubeconfig(client.subjects().clusterId()));
          root.err.println(
              "agentctl: gateway for cluster "
                  + client.subjects().clusterId()
                  + " as "
                  + user
                  + " on "
                  + gateway.url()
                  + "; kubeconfig written to "
                  + kubeconfig);
          gateway.serve();
        }
        return EXIT_OK;
      });
    }
  }

  @Command(
      name = "keygen",
      description = {
        "Makes a platform signing key pair: DIR/platform-signing.key (private, keep it with the platform)",
        "and DIR/platform-signing.pub (give it to the agent: AGENT_PLATFORM_SIGNING_KEYS_FILE or the chart's signing values)."
      })
  static final class Keygen implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Directory for the two files; existing files are not overwritten.")
    Path out;

    @Override
    public Integer call() throws Exception {
      Path privateFile = out.resolve("platform-signing.key");
      Path publicFile = out.resolve("platform-signing.pub");
      if (java.nio.file.Files.exists(privateFile) || java.nio.file.Files.exists(publicFile)) {
        throw new CommandFailure(
            EXIT_USAGE, "refusing to overwrite " + privateFile + " or " + publicFile);
      }
      java.nio.file.Files.createDirectories(out);
      java.security.KeyPair pair = PlatformKeys.generate();
      java.nio.file.Files.writeString(privateFile, PlatformKeys.pem(pair.getPrivate()));
      try {
        java.nio.file.Files.setPosixFilePermissions(
            privateFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the caller protects the file
      }
      java.nio.file.Files.writeString(publicFile, PlatformKeys.pem(pair.getPublic()));
      root.out.println(publicFile);
      return EXIT_OK;
    }
  }

  @Command(
      name = "agents",
      description = "Lists the agents heard on heartbeats (all clusters under the prefix).")
  static final class Agents implements Callable<Integer> {
    @ParentCommand AgentCtl root;

    @Option(
        names = "--listen",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "How long to listen (default: the --discover-wait, 31s).")
    Duration listen;

    @Override
    public Integer call() throws Exception {
      Duration window = listen != null ? listen : root.discoverWait();
      return root.withConnection(connection -> {
        List<Heartbeat> agents = PlatformClient.agents(connection, root.prefix(), window);
        if (agents.isEmpty()) {
          root.err.println(
              "agentctl: no heartbeats on "
                  + Subjects.allHeartbeats(root.prefix())
                  + " within "
                  + window.toSeconds()
                  + " s");
          return EXIT_OK;
        }
        root.out.print(formatAgents(agents, Instant.now()));
        return EXIT_OK;
      });
    }
  }

  /** One line per replica under a header; columns are padded to the widest value. */
  static String formatAgents(List<Heartbeat> agents, Instant now) {
    String[] header = {"CLUSTER", "INSTANCE", "AGENT", "KUBERNETES", "NODES", "PUBLIC-IP", "SEEN"};
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(header);
    for (Heartbeat h : agents) {
      long ago = Math.max(0, now.toEpochMilli() - h.sentAt()) / 1000;
      rows.add(
          new String[] {
            h.clusterId(),
            orDash(h.instance()),
            orDash(h.agentVersion()),
            orDash(h.kubernetesVersion()),
            h.nodeCount() == null ? "-" : h.nodeCount().toString(),
            orDash(h.publicIp()),
            h.sentAt() == 0 ? "-" : ago + "s ago"
          });
    }
    int[] widths = new int[header.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder table = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        table.append(
            i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      table.append('\n');
    }
    return table.toString();
  }

  private static String orDash(String value) {
    return value == null || value.isBlank() ? "-" : value;
  }
}
