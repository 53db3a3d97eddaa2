package io.clusteragent.cli;

import io.clusteragent.protocol.Redaction;
import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where and how the platform side connects to NATS. At most one way of authenticating may be given.
 * Secrets never appear in {@link #toString()}; use {@link #redact(String)} on any text that might
 * echo them (server error messages, URLs with user info).
 */
public record NatsConnectionSettings(
    String url,
    String token,
    String user,
    String password,
    Path credsFile,
    Path nkeySeedFile,
    Duration connectTimeout) {

  public static final String DEFAULT_URL = "nats://127.0.0.1:4222";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  public NatsConnectionSettings {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("a NATS server URL is required");
    }
    token = blankToNull(token);
    user = blankToNull(user);
    password = blankToNull(password);
    if (password != null && user == null) {
      throw new IllegalArgumentException("--password needs --user");
    }
    if (user != null && password == null) {
      throw new IllegalArgumentException("--user needs --password");
    }
    List<String> modes = new ArrayList<>();
    if (token != null) modes.add("token");
    if (user != null) modes.add("user/password");
    if (credsFile != null) modes.add("creds file");
    if (nkeySeedFile != null) modes.add("nkey seed");
    if (modes.size() > 1) {
      throw new IllegalArgumentException(
          "give one way to authenticate, not " + String.join(" and ", modes));
    }
    if (connectTimeout == null) {
      connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    } else if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connect timeout must be positive, got " + connectTimeout);
    }
  }

  /** No authentication, default connect timeout. */
  public static NatsConnectionSettings of(String url) {
    return new NatsConnectionSettings(url, null, null, null, null, null, null);
  }

  /** The jnats options. Files are read now so a wrong path fails before any network traffic. */
  public Options options() throws IOException {
    Options.Builder builder =
        Options.builder()
            .server(url)
            .connectionName("agentctl")
            .connectionTimeout(connectTimeout)
            // Keep reconnecting: a platform must see the agent's UPSTREAM_UNAVAILABLE frames after
            // an
            // outage; callers bound their own waits with timeouts.
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(250))
            // jnats' default listener logs every hiccup; failures reach callers as exceptions
            // instead.
            .errorListener(new ErrorListener() {});
    if (token != null) {
      builder.token(token.toCharArray());
    } else if (user != null) {
      builder.userInfo(user.toCharArray(), password.toCharArray());
    } else if (credsFile != null) {
      builder.authHandler(Nats.staticCredentials(Files.readAllBytes(credsFile)));
    } else if (nkeySeedFile != null) {
      builder.authHandler(nkeySeedAuth(nkeySeedFile));
    }
    return builder.build();
  }

  public Connection connect() throws IOException, InterruptedException {
    return Nats.connect(options());
  }

  /** Hides the token, password and any user info in the URL from text meant for people. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String redacted = Redaction.urls(text);
    for (String secret : new String[] {token, password}) {
      if (secret != null && !secret.isBlank()) {
        // Whole words only: a short secret must not mangle ordinary words that contain it.
        redacted =
            redacted.replaceAll(
                "(?<![A-Za-z0-9])" + Pattern.quote(secret) + "(?![A-Za-z0-9])", "***");
      }
    }
    return redacted;
  }

  @Override
  public String toString() {
    String auth =
        token != null
            ? "token"
            : user != null
                ? "user " + user
                : credsFile != null
                    ? "creds " + credsFile
                    : nkeySeedFile != null ? "nkey seed " + nkeySeedFile : "none";
    return "NatsConnectionSettings[url="
        + redact(url)
        + ", auth="
        + auth
        + ", connectTimeout="
        + connectTimeout
        + "]";
  }

  /**
   * A bare NKey: jnats signs the server's nonce with the seed (static credentials without a JWT).
   * The seed is decoded once first so a malformed one fails before any network traffic, with a
   * message that carries no seed text.
   */
  private static AuthHandler nkeySeedAuth(Path seedFile) throws IOException {
    char[] seed = Files.readString(seedFile, StandardCharsets.UTF_8).strip().toCharArray();
    char[] probe = seed.clone();
    try {
      NKey.fromSeed(probe).clear();
    } catch (RuntimeException e) {
      throw new IOException("invalid NKey seed in " + seedFile);
    } finally {
      Arrays.fill(probe, '\0');
    }
    return Nats.staticCredentials(null, seed);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
