package io.clusteragent.proxy.logs;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.kubernetes.client.openapi.Pair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every container's log of one pod in one stream, as {@code kubectl logs --all-containers --prefix}
 * shows it: the API server serves one container per request, so the agent reads each on a virtual
 * thread of its own and sends whole lines, each prefixed {@code [container] }, so lines of
 * different containers never mix within a line. Bounded like one log: each reader holds at most one
 * line ({@link #MAX_LINE_BYTES}; a longer one is sent in pieces) and waits on the stream's credit.
 */
final class AllContainerLogs {

  static final int MAX_LINE_BYTES = 64 * 1024;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private AllContainerLogs() {}

  /** Forwards the logs until every container's ends; returns the bytes sent. */
  static long forward(
      ApiServerGet apiServer, String podPath, List<Pair> query, CommandContext context)
      throws CommandException, InterruptedException, StreamClosedException {
    List<String> containers = containers(apiServer, podPath, context);
    Object sending = new Object();
    AtomicLong sent = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> readers = new ArrayList<>();
    List<ApiServerGet.OpenResponse> opened = new ArrayList<>();
    try {
      for (String container : containers) {
        List<Pair> one = new ArrayList<>(query);
        one.add(new Pair("container", container));
        ApiServerGet.OpenResponse open =
            apiServer.open(podPath + "/log", one, "*/*", context.actor(), context.cancellation());
        opened.add(open);
        byte[] prefix = ("[" + container + "] ").getBytes(StandardCharsets.UTF_8);
        readers.add(
            Thread.ofVirtual()
                .name("logs-" + container)
                .start(() -> {
                  try {
                    copyLines(open.body(), prefix, context, sending, sent);
                  } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    opened.forEach(ApiServerGet.OpenResponse::close);
                  }
                }));
      }
      for (Thread reader : readers) {
        reader.join();
      }
    } catch (InterruptedException e) {
      readers.forEach(Thread::interrupt);
      throw e;
    } finally {
      opened.forEach(ApiServerGet.OpenResponse::close);
    }
    Exception failed = failure.get();
    if (failed instanceof StreamClosedException closed) {
      throw closed;
    }
    if (failed instanceof InterruptedException || context.cancellation().isCancelled()) {
      throw new InterruptedException(
          context.cancellation().reason() == null
              ? "interrupted"
              : context.cancellation().reason().message());
    }
    if (failed instanceof IOException io) {
      throw ApiServerGet.readFailure(io, context.cancellation());
    }
    return sent.get();
  }

  private static void copyLines(
      InputStream body, byte[] prefix, CommandContext context, Object sending, AtomicLong sent)
      throws IOException, InterruptedException, StreamClosedException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int read;
    while ((read = body.read(buffer)) >= 0) {
      for (int i = 0; i < read; i++) {
        line.write(buffer[i]);
        if (buffer[i] == '\n' || line.size() >= MAX_LINE_BYTES) {
          send(prefix, line, context, sending, sent);
        }
      }
    }
    if (line.size() > 0) {
      line.write('\n');
      send(prefix, line, context, sending, sent);
    }
  }

  private static void send(
      byte[] prefix,
      ByteArrayOutputStream line,
      CommandContext context,
      Object sending,
      AtomicLong sent)
      throws InterruptedException, StreamClosedException {
    byte[] chunk = new byte[prefix.length + line.size()];
    System.arraycopy(prefix, 0, chunk, 0, prefix.length);
    System.arraycopy(line.toByteArray(), 0, chunk, prefix.length, line.size());
    line.reset();
    synchronized (sending) {
      context.stream().send(chunk);
    }
    sent.addAndGet(chunk.length);
  }

  private static List<String> containers(
      ApiServerGet apiServer, String podPath, CommandContext context)
      throws CommandException, InterruptedException {
    try (ApiServerGet.OpenResponse open =
        apiServer.open(
            podPath, List.of(), "application/json", context.actor(), context.cancellation())) {
      List<String> names = new ArrayList<>();
      JsonNode pod = JSON.readTree(open.body());
      pod.path("spec").path("containers").forEach(c -> names.add(c.path("name").asString()));
      if (names.isEmpty()) {
        throw new CommandException(ErrorCode.NOT_FOUND, "the pod lists no containers");
      }
      return names;
    } catch (JacksonException e) {
      throw ApiServerGet.unreadable(e, "a pod", context.cancellation());
    }
  }
}
