package io.clusteragent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NatsConnectionSettingsTest {

  private static NatsConnectionSettings withSeedFile(Path seedFile) {
    return new NatsConnectionSettings(
        NatsConnectionSettings.DEFAULT_URL, null, null, null, null, seedFile, null);
  }

  @Test
  void aSeedFileSignsEachNonceAndSendsNoJwt(@TempDir Path dir) throws Exception {
    NKey key = NKey.createUser(new SecureRandom());
    Path seedFile = Files.writeString(dir.resolve("platform.nk"), new String(key.getSeed()) + "\n");
    AuthHandler auth = withSeedFile(seedFile).options().getAuthHandler();

    assertThat(auth.getJWT()).isNull();
    assertThat(auth.getID()).isEqualTo(key.getPublicKey());
    for (String nonce : new String[] {"first connect", "a reconnect"}) {
      byte[] bytes = nonce.getBytes(StandardCharsets.UTF_8);
      assertThat(key.verify(bytes, auth.sign(bytes))).as(nonce).isTrue();
    }
  }

  @Test
  void aMalformedSeedFailsBeforeAnyTrafficWithoutEchoingIt(@TempDir Path dir) throws Exception {
    String seed = "SUANOTAREALSEEDATALLBUTLONGENOUGHTOLOOKLIKEONE";
    Path seedFile = Files.writeString(dir.resolve("bad.nk"), seed);
    assertThatThrownBy(() -> withSeedFile(seedFile).options())
        .isInstanceOf(IOException.class)
        .hasMessage("invalid NKey seed in " + seedFile)
        .hasNoCause();
  }
}
