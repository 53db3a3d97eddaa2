package io.clusteragent.core.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * KUBERNETES_REQUEST_MAX_ATTEMPTS against real sockets: one that cuts the first connections, one
 * that sheds the first requests with 429.
 */
class RequestRetryTest {

  /**
   * Accepts connections; the first {@code cut} are closed without an answer, later ones get 200.
   */
  private static final class CuttingServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger accepted = new AtomicInteger();

    CuttingServer(int cut) throws IOException {
      this(cut, null);
    }

    /** With {@code firstAnswer} set, the first {@code cut} requests get it instead of nothing. */
    CuttingServer(int cut, String firstAnswer) throws IOException {
      Thread.ofVirtual()
          .start(() -> {
            while (!socket.isClosed()) {
              try (Socket client = socket.accept()) {
                client.getInputStream().read(new byte[4096]);
                int number = accepted.incrementAndGet();
                if (number <= cut && firstAnswer != null) {
                  client.getOutputStream().write(firstAnswer.getBytes(StandardCharsets.US_ASCII));
                  client.getOutputStream().flush();
                } else if (number > cut) {
                  OutputStream out = client.getOutputStream();
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                          .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                }
              } catch (IOException e) {
                return;
              }
            }
          });
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort() + "/version";
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static OkHttpClient client(int attempts) {
    return new OkHttpClient.Builder()
        .retryOnConnectionFailure(false)
        .addInterceptor(new RequestRetry(attempts))
        .build();
  }

  @Test
  void getIsRetriedUntilTheConnectionHolds() throws Exception {
    try (CuttingServer server = new CuttingServer(2);
        Response response =
            client(3).newCall(new Request.Builder().url(server.url()).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(server.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void attemptsAreBounded() throws Exception {
    try (CuttingServer server = new CuttingServer(10)) {
      assertThatThrownBy(
              () -> client(3).newCall(new Request.Builder().url(server.url()).build()).execute())
          .isInstanceOf(IOException.class);
      assertThat(server.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void writesAreNeverRepeated() throws Exception {
    try (CuttingServer server = new CuttingServer(1)) {
      Request post =
          new Request.Builder().url(server.url()).post(RequestBody.create(new byte[0])).build();
      assertThatThrownBy(() -> client(3).newCall(post).execute()).isInstanceOf(IOException.class);
      assertThat(server.accepted.get()).isEqualTo(1);
    }
  }

  private static final String SHED =
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 4\r\n"
          + "Connection: close\r\n\r\nbusy";

  @Test
  void aGetShedWith429IsRetriedAfterTheServersWait() throws Exception {
    try (CuttingServer server = new CuttingServer(2, SHED);
        Response response =
            client(3).newCall(new Request.Builder().url(server.url()).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(server.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void the429RetriesAreBoundedAndTheLastAnswerIsReturned() throws Exception {
    try (CuttingServer server = new CuttingServer(10, SHED);
        Response response =
            client(3).newCall(new Request.Builder().url(server.url()).build()).execute()) {
      assertThat(response.code()).isEqualTo(429);
      assertThat(server.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void aShedWriteIsNotRepeated() throws Exception {
    try (CuttingServer server = new CuttingServer(1, SHED)) {
      Request post =
          new Request.Builder().url(server.url()).post(RequestBody.create(new byte[0])).build();
      try (Response response = client(3).newCall(post).execute()) {
        assertThat(response.code()).isEqualTo(429);
      }
      assertThat(server.accepted.get()).isEqualTo(1);
    }
  }
}
