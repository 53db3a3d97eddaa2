package io.clusteragent.core.kubernetes;

import io.clusteragent.protocol.Backoff;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Retries idempotent requests (GET), up to the documented KUBERNETES_REQUEST_MAX_ATTEMPTS, when
 * trying again can only help: the connection was cut before a response arrived, or the API server
 * answered 429 (its storage for a new CRD is still initialising, or priority and fairness shed the
 * request) with a {@code Retry-After}, as client-go does. Waits with the agent's {@link Backoff}
 * (up to 100 ms, 200 ms, 400 ms...) or the server's {@code Retry-After} (capped at {@link
 * #MAX_RETRY_AFTER}), so a restarting API server is not hammered and a large attempt count cannot
 * stall one request for minutes. Writes are never repeated.
 */
final class RequestRetry implements Interceptor {

  private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);

  private final int maxAttempts;

  RequestRetry(int maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    int attempts = "GET".equals(chain.request().method()) ? maxAttempts : 1;
    IOException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      Response response;
      try {
        response = chain.proceed(chain.request());
      } catch (InterruptedIOException e) {
        throw e; // timeouts and cancellation are not connection loss
      } catch (IOException e) {
        last = e;
        if (attempt < attempts) {
          pause(BACKOFF.delay(attempt));
        }
        continue;
      }
      Duration retryAfter = retryAfter(response);
      if (retryAfter == null || attempt == attempts) {
        return response;
      }
      response.close();
      pause(retryAfter);
    }
    throw last;
  }

  /** The wait a 429 asks for, or null when the response is not one to retry. */
  static Duration retryAfter(Response response) {
    if (response.code() != 429) {
      return null;
    }
    String header = response.header("Retry-After");
    if (header == null) {
      return null;
    }
    try {
      Duration asked = Duration.ofSeconds(Math.max(0, Long.parseLong(header.strip())));
      return asked.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : asked;
    } catch (NumberFormatException httpDate) {
      // the API server sends seconds; an HTTP date from something else gets the longest wait
      return MAX_RETRY_AFTER;
    }
  }

  private static void pause(Duration wait) throws InterruptedIOException {
    try {
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while retrying");
    }
  }
}
