package io.clusteragent.protocol;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;

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
      try {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(signed);
        if (verifier.verify(signature)) {
          return Verdict.VALID;
        }
      } catch (GeneralSecurityException e) {
        // a key that cannot verify is no match; try the next
      }
    }
    return Verdict.MISMATCH;
  }
}
