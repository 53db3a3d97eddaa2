package io.clusteragent.natsbridge.connection;

import io.clusteragent.core.settings.Secret;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The ways the agent can prove itself to NATS. A closed set; each applies itself to the options.
 */
public sealed interface NatsAuth {

  void apply(Options.Builder options) throws IOException;

  record None() implements NatsAuth {
    public void apply(Options.Builder options) {}
  }

  record Token(Secret token) implements NatsAuth {
    public void apply(Options.Builder options) {
      options.token(token.reveal().toCharArray());
    }
  }

  record UserPassword(String user, Secret password) implements NatsAuth {
    public void apply(Options.Builder options) {
      options.userInfo(user.toCharArray(), password.reveal().toCharArray());
    }
  }

  /**
   * A bare NKey: the server knows the public key; jnats signs its nonce with the seed (a static
   * credentials handler without a JWT). The seed is decoded once here so a malformed one fails at
   * startup rather than on every connect attempt.
   */
  record NKeySeed(Secret seed) implements NatsAuth {
    public void apply(Options.Builder options) throws IOException {
      char[] seedChars = seed.reveal().toCharArray();
      requireValidSeed(seedChars.clone());
      options.authHandler(Nats.staticCredentials(null, seedChars));
    }

    /** The message carries no seed text: it ends up in logs and in the check-in's error. */
    private static void requireValidSeed(char[] seed) throws IOException {
      try {
        NKey.fromSeed(seed).clear();
      } catch (RuntimeException e) {
        throw new IOException("invalid NKey seed");
      } finally {
        Arrays.fill(seed, '\0');
      }
    }
  }

  /** A decentralised-auth user: JWT plus NKey seed, as a .creds file's text. */
  record Creds(Secret credsText) implements NatsAuth {
    public void apply(Options.Builder options) {
      options.authHandler(
          Nats.staticCredentials(credsText.reveal().getBytes(StandardCharsets.UTF_8)));
    }
  }

  /**
   * Picks the auth mode from direct settings; files are read now so a bad path fails early and
   * clearly.
   */
  static NatsAuth from(NatsSettings settings) throws IOException {
    if (settings.credsFile() != null) {
      return new Creds(new Secret(read(settings.credsFile())));
    }
    if (settings.nkeySeedFile() != null) {
      return new NKeySeed(new Secret(read(settings.nkeySeedFile())));
    }
    if (!settings.token().isEmpty()) {
      return new Token(settings.token());
    }
    if (settings.user() != null && !settings.user().isBlank()) {
      return new UserPassword(settings.user(), settings.password());
    }
    return new None();
  }

  private static String read(Path path) throws IOException {
    return Files.readString(path, StandardCharsets.UTF_8).strip();
  }
}
