package io.clusteragent.proxy.tunnel;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * An upgraded connection (exec, attach, cp, port-forward) relayed byte for byte: the agent opens
 * its own connection to the API server, with its own credentials and the actor's impersonation,
 * sends the client's upgrade request, hands the answer's head to the platform, and from a 101 on
 * copies bytes both ways: API server to stream (under the platform's credit) and stream input to
 * API server (under the agent's). Whatever the client speaks inside (WebSocket channel protocols or
 * SPDY) passes through untouched.
 */
final class UpgradeRelay {

  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int CHUNK = 32 * 1024;

  record Outcome(int status, long bytesToPlatform) {}

  @FunctionalInterface
  interface HeadSink {
    void send(CommandContext context, ResponseHead head)
        throws InterruptedException, CommandException;
  }

  Outcome relay(ApiClient api, Request request, CommandContext context, HeadSink heads)
      throws CommandException, InterruptedException {
    Request authenticated = authenticated(api.getHttpClient(), request);
    HttpUrl url = authenticated.url();
    try (Socket socket = open(api.getHttpClient(), url)) {
      OutputStream toServer = socket.getOutputStream();
      toServer.write(head(authenticated).getBytes(StandardCharsets.ISO_8859_1));
      toServer.flush();
      InputStream fromServer = socket.getInputStream();
      ParsedHead answer = readHead(fromServer);
      heads.send(context, ResponseHead.of(answer.status(), answer.headers()));
      if (answer.status() != 101) {
        return new Outcome(
            answer.status(), copyToPlatform(fromServer, context, contentLength(answer)));
      }
      Thread input =
          Thread.ofVirtual()
              .name("tunnel-input-" + context.commandId())
              .start(() -> copyToServer(context, socket));
      try {
        return new Outcome(101, copyToPlatform(fromServer, context, -1));
      } finally {
        input.interrupt();
      }
    } catch (IOException e) {
      if (context.cancellation().isCancelled() || Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("cancelled: " + e.getMessage());
      }
      throw new CommandException(
          ErrorCode.UPSTREAM_UNAVAILABLE, "API server connection failed: " + e.getMessage(), e);
    }
  }

  /**
   * The request as the client's own interceptors finish it (a rotating service-account token is
   * added there, not by client-java's request builder), captured before anything goes out.
   */
  private static Request authenticated(OkHttpClient client, Request request)
      throws CommandException {
    AtomicReference<Request> captured = new AtomicReference<>();
    OkHttpClient capturing =
        client
            .newBuilder()
            .addInterceptor(chain -> {
              captured.set(chain.request());
              return new Response.Builder()
                  .request(chain.request())
                  .protocol(Protocol.HTTP_1_1)
                  .code(204)
                  .message("captured")
                  .body(ResponseBody.create(new byte[0], null))
                  .build();
            })
            .build();
    try {
      capturing.newCall(request).execute().close();
    } catch (IOException e) {
      throw new CommandException(
          ErrorCode.INTERNAL, "cannot prepare the API server request: " + e.getMessage(), e);
    }
    return captured.get();
  }

  private static Socket open(OkHttpClient client, HttpUrl url) throws IOException {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress(url.host(), url.port()), 10_000);
    if (!url.isHttps()) {
      return plain;
    }
    SSLSocket tls =
        (SSLSocket) client.sslSocketFactory().createSocket(plain, url.host(), url.port(), true);
    tls.startHandshake();
    if (!client.hostnameVerifier().verify(url.host(), tls.getSession())) {
      tls.close();
      throw new IOException("the API server's certificate does not match " + url.host());
    }
    return tls;
  }

  private static String head(Request request) {
    HttpUrl url = request.url();
    StringBuilder head = new StringBuilder();
    head.append(request.method()).append(' ').append(url.encodedPath());
    if (url.encodedQuery() != null) {
      head.append('?').append(url.encodedQuery());
    }
    head.append(" HTTP/1.1\r\nHost: ")
        .append(url.host())
        .append(':')
        .append(url.port())
        .append("\r\n");
    for (int i = 0; i < request.headers().size(); i++) {
      head.append(request.headers().name(i))
          .append(": ")
          .append(request.headers().value(i))
          .append("\r\n");
    }
    return head.append("\r\n").toString();
  }

  record ParsedHead(int status, Map<String, List<String>> headers) {}

  /**
   * Reads the status line and headers, byte by byte so not one byte of the upgraded stream is
   * consumed.
   */
  static ParsedHead readHead(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the API server closed the connection before answering");
      }
      bytes.write(b);
      if (bytes.size() > MAX_HEAD_BYTES) {
        throw new IOException("the API server's answer head exceeds " + MAX_HEAD_BYTES + " bytes");
      }
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.1 answer from the API server");
    }
    int status;
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (NumberFormatException e) {
      throw new IOException("unreadable status line from the API server");
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(lines[i].substring(0, colon).strip(), k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).strip());
      }
    }
    return new ParsedHead(status, headers);
  }

  private static long contentLength(ParsedHead head) {
    return head.headers().entrySet().stream()
        .filter(e -> e.getKey().toLowerCase(Locale.ROOT).equals("content-length"))
        .map(e -> Long.parseLong(e.getValue().get(0)))
        .findFirst()
        .orElse(-1L);
  }

  /** Copies until the server closes (or {@code limit} bytes when known); returns the bytes sent. */
  private static long copyToPlatform(InputStream in, CommandContext context, long limit)
      throws IOException, InterruptedException {
    byte[] buffer = new byte[CHUNK];
    long sent = 0;
    try {
      while (limit < 0 || sent < limit) {
        int read =
            in.read(
                buffer, 0, limit < 0 ? buffer.length : (int) Math.min(buffer.length, limit - sent));
        if (read < 0) {
          return sent;
        }
        context.stream().send(java.util.Arrays.copyOf(buffer, read));
        sent += read;
      }
      return sent;
    } catch (StreamClosedException e) {
      return sent; // the platform stopped reading; the dispatcher reports why
    }
  }

  private static void copyToServer(CommandContext context, Socket socket) {
    try {
      OutputStream out = socket.getOutputStream();
      byte[] chunk;
      while ((chunk = context.stream().receive()) != null) {
        out.write(chunk);
        out.flush();
      }
      if (!(socket instanceof SSLSocket)) {
        socket.shutdownOutput();
      }
    } catch (IOException | StreamClosedException e) {
      // the connection or the stream ended; the reading side notices and ends the command
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
