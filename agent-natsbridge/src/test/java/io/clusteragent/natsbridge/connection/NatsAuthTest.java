package io.clusteragent.natsbridge.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.settings.Secret;
import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The bare-NKey mode without a server; NatsAuthModesTest covers every mode against nats-server. */
class NatsAuthTest {

  @Test
  void aBareNKeySignsEachNonceWithTheSeedAndSendsNoJwt() throws Exception {
    NKey key = NKey.createUser(new SecureRandom());
    Options.Builder options = Options.builder();
    new NatsAuth.NKeySeed(new Secret(new String(key.getSeed()))).apply(options);
    AuthHandler auth = options.build().getAuthHandler();

    assertThat(auth.getJWT()).isNull();
    assertThat(auth.getID()).isEqualTo(key.getPublicKey());
    for (String nonce : new String[] {"first connect", "a reconnect"}) {
      byte[] bytes = nonce.getBytes(StandardCharsets.UTF_8);
      assertThat(key.verify(bytes, auth.sign(bytes))).as(nonce).isTrue();
    }
  }

  @Test
  void aMalformedSeedFailsAtOnceWithoutEchoingIt() {
    String seed = "SUANOTAREALSEEDATALLBUTLONGENOUGHTOLOOKLIKEONE";
    assertThatThrownBy(() -> new NatsAuth.NKeySeed(new Secret(seed)).apply(Options.builder()))
        .isInstanceOf(IOException.class)
        .hasMessage("invalid NKey seed")
        .hasNoCause();
  }
}
