package io.clusteragent.protocol;

import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** The agent side: does a signature header match the content under one of the trusted keys? */
public final class SignatureCheck {

  /** The outcome of a check: a closed set, each with the reason a refusal gives. */
  public enum Verdict {
    VALID(null),
    UNSIGNED("the message is not signed"),
    MALFORMED("the signature is not 64 bytes of base64"),
    NO_TRUSTED_KEY("the agent has no platform signing key to check with"),
    MISMATCH("the signature matches no trusted platform key");

    private final String reason;

    Verdict(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private SignatureCheck() {}

  public static Verdict check(
      SignedContent content, String signatureHeader, List<PublicKey> trusted) {
    if (signatureHeader == null || signatureHeader.isBlank()) {
      return Verdict.UNSIGNED;
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(signatureHeader.strip());
    } catch (IllegalArgumentException e) {
      return Verdict.MALFORMED;
    }
    if (signature.length != 64) {
      return Verdict.MALFORMED;
    }
    if (trusted.isEmpty()) {
      return Verdict.NO_TRUSTED_KEY;
    }
    byte[] signed = content.bytes();
    for (PublicKey key : trusted) {
      byte[] raw = PlatformKeys.rawPublic(key);
      if (Ed25519.verify(signature, 0, raw, 0, signed, 0, signed.length)) {
        return Verdict.VALID;
      }
    }
    return Verdict.MISMATCH;
  }
}
