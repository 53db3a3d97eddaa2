package io.clusteragent.core.kubernetes;

import io.clusteragent.core.retry.Backoff;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Retries idempotent requests (GET) when the connection is cut before a response arrives, the
 * "connection terminated" case the documented KUBERNETES_REQUEST_MAX_ATTEMPTS bounds. Waits with
 * the agent's {@link Backoff} (up to 100 ms, 200 ms, 400 ms...) so a restarting API server is not
 * hammered; the cap keeps a large attempt count from stalling one request for minutes.
 */
final class ConnectionRetry implements Interceptor {

  private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

  private final int maxAttempts;

  ConnectionRetry(int maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    boolean idempotent = "GET".equals(chain.request().method());
    IOException last = null;
    for (int attempt = 1; attempt <= (idempotent ? maxAttempts : 1); attempt++) {
      try {
        return chain.proceed(chain.request());
      } catch (InterruptedIOException e) {
        throw e; // timeouts and cancellation are not connection loss
      } catch (IOException e) {
        last = e;
        if (attempt < maxAttempts && idempotent) {
          try {
            BACKOFF.sleep(attempt);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while retrying");
          }
        }
      }
    }
    throw last;
  }
}
