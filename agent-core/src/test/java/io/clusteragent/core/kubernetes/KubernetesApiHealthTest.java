package io.clusteragent.core.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The first check runs in the background: probes meanwhile answer at once with "in progress", and
 * the check's answer is what they report once it is in.
 */
class KubernetesApiHealthTest {

  @Test
  void probesAnswerInProgressUntilTheBackgroundCheckEndsThenItsResult() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual()
          .start(() -> {
            try (Socket client = server.accept()) {
              client.getInputStream().read(new byte[4096]);
              release.await(30, TimeUnit.SECONDS); // an API server slow to answer its first call
              OutputStream out = client.getOutputStream();
              out.write(
                  ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2"
                          + "\r\nConnection: close\r\n\r\n{}")
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
            } catch (IOException | InterruptedException e) {
              // the test ends
            }
          });
      ApiClient client = new ApiClient().setBasePath("http://127.0.0.1:" + server.getLocalPort());
      KubernetesApiHealth health = new KubernetesApiHealth(() -> client, Clock.systemUTC());

      health.checkInBackground();
      long started = System.nanoTime();
      Health during = health.health();
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .as("a probe does not wait for the first check")
          .isLessThan(KubernetesApiHealth.CHECK_TIMEOUT);
      assertThat(during.getStatus()).isEqualTo(Status.DOWN);
      assertThat(during.getDetails()).containsEntry("reason", "Kubernetes API check in progress");

      // past the probe's 2 s cap: the first check has the longer one
      Thread.sleep(KubernetesApiHealth.CHECK_TIMEOUT.toMillis() + 500);
      release.countDown();
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      Health after = health.health();
      while (after.getStatus() != Status.UP && System.nanoTime() < until) {
        Thread.sleep(20);
        after = health.health();
      }
      assertThat(after.getStatus()).as(after.getDetails().toString()).isEqualTo(Status.UP);
    }
  }
}
