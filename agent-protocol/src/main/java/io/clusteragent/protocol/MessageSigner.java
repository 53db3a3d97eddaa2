package io.clusteragent.protocol;

import java.security.PrivateKey;
import java.util.Base64;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** The platform side: signs what it sends to an agent with its Ed25519 private key. */
public final class MessageSigner {

  private final byte[] seed;

  public MessageSigner(PrivateKey key) {
    this.seed = PlatformKeys.rawPrivate(key);
  }

  /** The value of the {@link Headers#SIGNATURE} header for {@code content}. */
  public String sign(SignedContent content) {
    byte[] message = content.bytes();
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, message, 0, message.length, signature, 0);
    return Base64.getEncoder().encodeToString(signature);
  }

  @Override
  public String toString() {
    return "MessageSigner[key=<redacted>]";
  }
}
