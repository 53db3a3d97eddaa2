package io.clusteragent.protocol;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/** The platform side: signs what it sends to an agent with its Ed25519 private key. */
public final class MessageSigner {

  private final PrivateKey key;

  public MessageSigner(PrivateKey key) {
    this.key = key;
  }

  /** The value of the {@link Headers#SIGNATURE} header for {@code content}. */
  public String sign(SignedContent content) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(content.bytes());
      return Base64.getEncoder().encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the platform key", e);
    }
  }

  @Override
  public String toString() {
    return "MessageSigner[key=<redacted>]";
  }
}
