package io.clusteragent.cli;

import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.ErrorBody;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Tunnel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local API server for kubectl, helm or any client, on 127.0.0.1 over TLS: each HTTP/1.1 request
 * it accepts becomes a {@code kube.request} or {@code kube.stream} command, signed and carrying the
 * identity given on the command line, and the agent's answer is written back as it streams in.
 * Request bodies and upgraded connections (exec, attach, port-forward) travel as stream input. One
 * virtual thread per client connection; keep-alive between requests.
 */
public final class KubeGateway implements AutoCloseable {

  /** How long a request that ends by itself may take at the agent. */
  static final Duration REQUEST_DEADLINE = Duration.ofMinutes(5);

  /** How long a watch, followed log or exec session may last. */
  static final Duration STREAM_DEADLINE = Duration.ofHours(24);

  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int INPUT_FRAME_BYTES = 32 * 1024;
  private static final int CREDIT = 32;
  private static final int OUTPUT_BUFFER_BYTES = 64 * 1024;
  private static final Duration IDLE_FRAME_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLOSE_LINGER = Duration.ofSeconds(2);

  private final PlatformClient platform;
  private final Envelope.ActorBody actor;
  private final GatewayCertificate certificate;

  /** Written into the kubeconfig: other local users and processes cannot use the gateway. */
  private final String accessToken;

  private final ServerSocket server;
  private final PrintStream log;
  private volatile boolean open = true;

  /** Listens on 127.0.0.1 with TLS under a fresh self-signed certificate. */
  public KubeGateway(
      PlatformClient platform, String user, List<String> groups, int port, PrintStream log)
      throws IOException, InterruptedException {
    this.platform = platform;
    this.actor = new Envelope.ActorBody(user, groups.isEmpty() ? null : List.copyOf(groups));
    this.certificate = GatewayCertificate.create();
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    this.accessToken = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.server =
        certificate
            .context()
            .getServerSocketFactory()
            .createServerSocket(port, 64, InetAddress.getLoopbackAddress());
    this.log = log;
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "https://127.0.0.1:" + port();
  }

  /** A kubeconfig that points kubectl at this gateway and trusts exactly its certificate. */
  public String kubeconfig(String clusterName) {
    return "apiVersion: v1\nkind: Config\nclusters:\n- name: "
        + clusterName
        + "\n  cluster:\n    server: "
        + url()
        + "\n    certificate-authority-data: "
        + certificate.authorityData()
        + "\ncontexts:\n- name: "
        + clusterName
        + "\n  context:\n    cluster: "
        + clusterName
        + "\n    user: gateway\n"
        + "current-context: "
        + clusterName
        + "\nusers:\n- name: gateway\n  user:\n    token: "
        + accessToken
        + "\n";
  }

  /** Accepts connections until closed; each is served on its own virtual thread. */
  public void serve() {
    while (open) {
      try {
        Socket client = server.accept();
        Thread.ofVirtual().name("gateway-conn").start(() -> serveConnection(client));
      } catch (IOException e) {
        if (open) {
          log.println("agentctl gateway: accept failed: " + e.getMessage());
        }
      }
    }
  }

  public Thread serveInBackground() {
    return Thread.ofVirtual().name("gateway-accept").start(this::serve);
  }

  @Override
  public void close() throws IOException {
    open = false;
    server.close();
  }

  private void serveConnection(Socket socket) {
    try (socket) {
      // Every answer is written in pieces (head, chunk size, data, chunk end) and flushed once a
      // frame is complete. Unbuffered, each piece was its own TLS record and TCP segment, and
      // Nagle's algorithm held the small ones until the client's delayed ACK: kubectl waited
      // ~30 ms more for each 500-object page of a list.
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), OUTPUT_BUFFER_BYTES);
      while (open) {
        HttpHead head = HttpHead.read(in);
        if (head == null) {
          return; // the client closed between requests
        }
        if (!exchange(head, in, out, socket)) {
          return;
        }
      }
    } catch (StreamProtocolException e) {
      // An agent defect, not a client's: without this line the client only sees its connection cut.
      log.println(
          "agentctl gateway: connection cut, the agent broke the stream protocol: "
              + e.getMessage());
    } catch (IOException | RuntimeException e) {
      // the client went away or sent garbage: the connection ends, the gateway keeps serving
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Serves one request; returns whether the connection can carry another one. */
  private boolean exchange(HttpHead request, InputStream in, OutputStream out, Socket socket)
      throws IOException, InterruptedException {
    if (!java.security.MessageDigest.isEqual(
        ("Bearer " + accessToken).getBytes(StandardCharsets.US_ASCII),
        request.value("authorization").getBytes(StandardCharsets.US_ASCII))) {
      writeStatus(
          out,
          401,
          "Unauthorized",
          "this gateway takes the token of the kubeconfig it wrote",
          null);
      return false;
    }
    boolean upgrade = request.has("upgrade");
    boolean longLived = Tunnel.longLived(request.query(), request.headers().keySet());
    long contentLength = request.contentLength();
    boolean chunked =
        request.value("transfer-encoding").toLowerCase(Locale.ROOT).contains("chunked");
    boolean body = contentLength > 0 || chunked;

    ObjectNode payload =
        JsonNodeFactory.instance
            .objectNode()
            .put("method", request.method())
            .put("path", request.path())
            .put("query", request.query())
            .put("body", body);
    ObjectNode headers = payload.putObject("headers");
    request
        .headers()
        .forEach((name, values) -> {
          ArrayNode list = headers.putArray(name);
          values.forEach(list::add);
        });
    Duration deadline = longLived ? STREAM_DEADLINE : REQUEST_DEADLINE;
    Envelope envelope =
        new Envelope(
            Envelope.VERSION,
            PlatformClient.newCommandId(),
            longLived ? Tunnel.STREAM : Tunnel.REQUEST,
            System.currentTimeMillis() + deadline.toMillis(),
            actor,
            payload,
            CREDIT);

    try (PlatformStream stream = platform.openStream(envelope)) {
      Thread writer = null;
      if (body) {
        writer =
            Thread.ofVirtual()
                .name("gateway-body")
                .start(() -> copyBody(in, stream, contentLength, chunked));
      }
      Frame first = nextData(stream);
      if (first == null || first.kind() != FrameKind.DATA) {
        writeError(out, first);
        if (writer != null) {
          writer.interrupt();
        }
        return !body; // an unread body leaves the connection unusable
      }
      JsonNode responseHead = WireJson.MAPPER.readTree(first.body());
      int status = responseHead.path("status").asInt();
      if (upgrade && status == 101) {
        writeHead(out, status, responseHead.path("headers"), false);
        Thread input = Thread.ofVirtual().name("gateway-upgrade").start(() -> copyRaw(in, stream));
        WebSocketFrames frames =
            webSocket(responseHead.path("headers")) ? new WebSocketFrames() : null;
        Frame end = pump(stream, out, frames == null ? data -> {} : frames::consume);
        if ((end == null || end.kind() == FrameKind.ERROR)
            && frames != null
            && frames.atBoundary()) {
          // The agent lost the session (a NATS outage, a cancel, the API server gone). Cut
          // without a word, kubectl only reports "close 1006 (abnormal closure)"; a close frame
          // of our own, between two of the API server's, tells the user why it ended.
          String why =
              end == null || end.error() == null
                  ? "no frames from the agent for " + IDLE_FRAME_TIMEOUT.toSeconds() + " s"
                  : end.error().message();
          out.write(WebSocketFrames.close(WebSocketFrames.INTERNAL_ERROR, "cluster agent: " + why));
        }
        out.flush();
        // The client answers the end of the session (a WebSocket close frame) and then closes.
        // Reading that answer before closing matters: a socket closed with unread input is reset,
        // and a reset can make the client drop the last output it had not read yet.
        socket.setSoTimeout((int) CLOSE_LINGER.toMillis());
        input.join(CLOSE_LINGER.toMillis() * 2);
        input.interrupt();
        return false;
      }
      boolean noBody = request.method().equals("HEAD") || status == 204 || status == 304;
      writeHead(out, status, responseHead.path("headers"), !noBody);
      ChunkedOutput answer = new ChunkedOutput(noBody ? OutputStream.nullOutputStream() : out);
      Frame end = pump(stream, answer, data -> {});
      // an error or silence cuts the answer: closing the connection tells the client so
      boolean complete = end != null && end.kind() == FrameKind.END;
      if (complete) {
        answer.finish();
      }
      out.flush();
      if (writer != null && writer.isAlive()) {
        // answered before the whole body was read (an early refusal): the rest of it is unread
        writer.interrupt();
        return false;
      }
      return complete && !upgrade;
    }
  }

  /**
   * Copies the stream's data frames to {@code out}, showing each to {@code seen}, until the stream
   * ends; returns the end or error frame, or null when the agent went silent (not even a heartbeat:
   * the agent or the path is gone).
   */
  private static Frame pump(PlatformStream stream, OutputStream out, Consumer<byte[]> seen)
      throws IOException, InterruptedException {
    while (true) {
      Frame frame = stream.next(IDLE_FRAME_TIMEOUT);
      if (frame == null || frame.terminal()) {
        return frame;
      }
      if (frame.kind() == FrameKind.DATA) {
        out.write(frame.body());
        out.flush();
        seen.accept(frame.body());
      }
    }
  }

  private static boolean webSocket(JsonNode headers) {
    for (String name : headers.propertyNames()) {
      if (name.equalsIgnoreCase("upgrade")) {
        for (JsonNode value : headers.get(name)) {
          if (value.asString().toLowerCase(Locale.ROOT).contains("websocket")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static Frame nextData(PlatformStream stream) throws InterruptedException {
    while (true) {
      Frame frame = stream.next(IDLE_FRAME_TIMEOUT);
      if (frame == null || frame.kind() == FrameKind.DATA || frame.terminal()) {
        return frame;
      }
    }
  }

  private static void copyBody(
      InputStream in, PlatformStream stream, long contentLength, boolean chunked) {
    try {
      InputStream bodyStream = chunked ? new ChunkedInput(in) : new BoundedInput(in, contentLength);
      byte[] buffer = new byte[INPUT_FRAME_BYTES];
      int read;
      while ((read = bodyStream.read(buffer)) > 0) {
        if (!stream.write(
            java.util.Arrays.copyOf(buffer, read), INPUT_FRAME_BYTES, IDLE_FRAME_TIMEOUT)) {
          return;
        }
      }
      stream.endInput();
    } catch (IOException | RuntimeException e) {
      stream.cancel("request body unreadable: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void copyRaw(InputStream in, PlatformStream stream) {
    try {
      byte[] buffer = new byte[INPUT_FRAME_BYTES];
      int read;
      while ((read = in.read(buffer)) >= 0) {
        if (stream.finished()) {
          continue; // the session is over: drain what the client still says, forward nothing
        }
        if (read > 0
            && !stream.write(
                java.util.Arrays.copyOf(buffer, read), INPUT_FRAME_BYTES, IDLE_FRAME_TIMEOUT)) {
          return;
        }
      }
      if (!stream.finished()) {
        stream.endInput();
      }
    } catch (IOException | RuntimeException e) {
      if (!stream.finished()) {
        stream.cancel("client connection ended");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void writeHead(OutputStream out, int status, JsonNode headers, boolean chunked)
      throws IOException {
    StringBuilder head =
        new StringBuilder("HTTP/1.1 ")
            .append(status)
            .append(' ')
            .append(reason(status))
            .append("\r\n");
    for (String name : headers.propertyNames()) {
      for (JsonNode value : headers.get(name)) {
        head.append(name).append(": ").append(value.asString()).append("\r\n");
      }
    }
    if (chunked) {
      head.append("Transfer-Encoding: chunked\r\n");
    } else if (status != 101) {
      head.append("Content-Length: 0\r\n");
    }
    out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** The agent refused or failed before answering: a Kubernetes Status the client understands. */
  private static void writeError(OutputStream out, Frame frame) throws IOException {
    ErrorBody error = frame == null ? null : frame.error();
    String code = error == null ? "UPSTREAM_UNAVAILABLE" : error.code();
    String message = error == null ? "no answer from the agent" : error.message();
    int status =
        switch (code) {
          case "BUSY" -> 429;
          case "UNAUTHENTICATED" -> 401;
          case "FORBIDDEN" -> 403;
          case "NOT_FOUND" -> 404;
          case "BAD_REQUEST", "PAYLOAD_TOO_LARGE", "UNKNOWN_TYPE" -> 400;
          case "DEADLINE_EXCEEDED" -> 504;
          case "SHUTTING_DOWN", "UPSTREAM_UNAVAILABLE" -> 503;
          default -> 500;
        };
    Long retryAfterSeconds =
        status == 429 && error != null && error.retryAfterMs() != null
            ? Math.max(1, (error.retryAfterMs() + 999) / 1000)
            : null;
    writeStatus(out, status, code, "cluster agent: " + message, retryAfterSeconds);
  }

  /** A Kubernetes Status object as the whole answer, which kubectl prints as an error. */
  private static void writeStatus(
      OutputStream out, int status, String reason, String message, Long retryAfterSeconds)
      throws IOException {
    ObjectNode body =
        JsonNodeFactory.instance
            .objectNode()
            .put("kind", "Status")
            .put("apiVersion", "v1")
            .put("status", "Failure")
            .put("message", message)
            .put("reason", reason)
            .put("code", status);
    byte[] bytes = WireJson.MAPPER.writeValueAsBytes(body);
    StringBuilder head =
        new StringBuilder("HTTP/1.1 ")
            .append(status)
            .append(' ')
            .append(reason(status))
            .append("\r\n")
            .append("Content-Type: application/json\r\nContent-Length: ")
            .append(bytes.length)
            .append("\r\n");
    if (retryAfterSeconds != null) {
      head.append("Retry-After: ").append(retryAfterSeconds).append("\r\n");
    }
    out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(bytes);
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 101 -> "Switching Protocols";
      case 200 -> "OK";
      case 201 -> "Created";
      case 202 -> "Accepted";
      case 204 -> "No Content";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 422 -> "Unprocessable Entity";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status";
    };
  }

  /** A request's first line and headers, as the client sent them. */
  record HttpHead(String method, String path, String query, Map<String, List<String>> headers) {

    static HttpHead read(InputStream in) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          if (bytes.size() == 0) {
            return null;
          }
          throw new IOException("connection closed inside a request head");
        }
        bytes.write(b);
        if (bytes.size() > MAX_HEAD_BYTES) {
          throw new IOException("request head too large");
        }
        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      String[] first = lines[0].split(" ");
      if (first.length != 3 || !first[2].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.1 request");
      }
      String target = first[1];
      int q = target.indexOf('?');
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers
              .computeIfAbsent(lines[i].substring(0, colon).strip(), k -> new ArrayList<>())
              .add(lines[i].substring(colon + 1).strip());
        }
      }
      return new HttpHead(
          first[0],
          q < 0 ? target : target.substring(0, q),
          q < 0 ? "" : target.substring(q + 1),
          headers);
    }

    boolean has(String name) {
      return headers.keySet().stream().anyMatch(n -> n.equalsIgnoreCase(name));
    }

    String value(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse("");
    }

    long contentLength() {
      String value = value("content-length");
      return value.isEmpty() ? 0 : Long.parseLong(value.strip());
    }
  }

  /** Exactly {@code length} bytes of a body, then end of stream. */
  private static final class BoundedInput extends InputStream {
    private final InputStream in;
    private long left;

    BoundedInput(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int read = in.read(buffer, offset, (int) Math.min(length, left));
      if (read < 0) {
        throw new IOException("body shorter than its Content-Length");
      }
      left -= read;
      return read;
    }
  }

  /** A chunked request body, decoded. */
  private static final class ChunkedInput extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    ChunkedInput(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = line().split(";")[0].strip();
        left = Long.parseLong(size, 16);
        if (left == 0) {
          while (!line().isEmpty()) {
            // trailers are dropped
          }
          done = true;
          return -1;
        }
      }
      int read = in.read(buffer, offset, (int) Math.min(length, left));
      if (read < 0) {
        throw new IOException("chunked body cut short");
      }
      left -= read;
      if (left == 0) {
        line();
      }
      return read;
    }

    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (b != '\r') {
          line.append((char) b);
        }
        if (line.length() > 1024) {
          throw new IOException("chunk header too long");
        }
      }
      return line.toString();
    }
  }

  /** Writes a response body in HTTP/1.1 chunks, so it can stream without a known length. */
  private static final class ChunkedOutput extends OutputStream {
    private final OutputStream out;

    ChunkedOutput(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      if (length == 0) {
        return;
      }
      out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(bytes, offset, length);
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    void finish() throws IOException {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }
  }
}
