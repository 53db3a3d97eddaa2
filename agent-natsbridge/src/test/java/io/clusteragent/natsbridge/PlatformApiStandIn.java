package io.clusteragent.natsbridge;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The platform's check-in API on 127.0.0.1: answers the n-th check-in with what the test says and
 * records each call's Authorization header and time.
 */
final class PlatformApiStandIn implements AutoCloseable {

  /** One HTTP answer to a check-in. */
  record Answer(int status, String body) {

    /** A 200 naming the cluster and the NATS server, with any extra top-level JSON fields. */
    static Answer checkedIn(String clusterId, String natsUrl, String extraFields) {
      return new Answer(
          200,
          "{\"clusterId\":\""
              + clusterId
              + "\",\"nats\":{\"servers\":[\""
              + natsUrl
              + "\"]}"
              + extraFields
              + "}");
    }
  }

  private final HttpServer server;
  private final AtomicInteger calls = new AtomicInteger();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<Long> callNanos = new CopyOnWriteArrayList<>();

  /** {@code answers} gets the 1-based number of the call. */
  PlatformApiStandIn(IntFunction<Answer> answers) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/api/v1/agent/checkin",
        exchange -> {
          callNanos.add(System.nanoTime());
          authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
          exchange.getRequestBody().readAllBytes();
          Answer answer = answers.apply(calls.incrementAndGet());
          byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer.status(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int calls() {
    return calls.get();
  }

  List<String> authorizations() {
    return authorizations;
  }

  List<Long> callNanos() {
    return callNanos;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
