package io.clusteragent.core.kubernetes;

import java.io.IOException;
import java.io.InterruptedIOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Retries idempotent requests (GET) when the connection is cut before a response arrives, the
 * "connection terminated" case the documented KUBERNETES_REQUEST_MAX_ATTEMPTS bounds. Backs off
 * 100 ms, 200 ms, 400 ms... so a restarting API server is not hammered.
 */
final class ConnectionRetry implements Interceptor {

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
            Thread.sleep(100L << (attempt - 1));
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
