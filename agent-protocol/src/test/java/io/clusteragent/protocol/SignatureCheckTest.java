package io.clusteragent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureCheckTest {

  private final KeyPair platform = PlatformKeys.generate();
  private final KeyPair other = PlatformKeys.generate();
  private final MessageSigner signer = new MessageSigner(platform.getPrivate());
  private final byte[] body =
      "{\"v\":1,\"id\":\"c-1\",\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
  private final SignedContent command = SignedContent.command("agent.c1.cmd", "_INBOX.abc", body);

  @Test
  void aSignatureMatchesOnlyTheExactContentUnderTheRightKey() {
    String signature = signer.sign(command);
    assertThat(SignatureCheck.check(command, signature, List.of(platform.getPublic())))
        .isEqualTo(SignatureCheck.Verdict.VALID);
    assertThat(SignatureCheck.check(command, signature, List.of(other.getPublic())))
        .isEqualTo(SignatureCheck.Verdict.MISMATCH);

    byte[] tampered = body.clone();
    tampered[tampered.length - 3] = 'X';
    List<PublicKey> trusted = List.of(platform.getPublic());
    assertThat(
            SignatureCheck.check(
                SignedContent.command("agent.c1.cmd", "_INBOX.abc", tampered), signature, trusted))
        .isEqualTo(SignatureCheck.Verdict.MISMATCH);
    assertThat(
            SignatureCheck.check(
                SignedContent.command("agent.c2.cmd", "_INBOX.abc", body), signature, trusted))
        .as("another cluster")
        .isEqualTo(SignatureCheck.Verdict.MISMATCH);
    assertThat(
            SignatureCheck.check(
                SignedContent.command("agent.c1.cmd", "_INBOX.evil", body), signature, trusted))
        .as("another reply subject")
        .isEqualTo(SignatureCheck.Verdict.MISMATCH);
    assertThat(
            SignatureCheck.check(SignedContent.control("agent.c1.cmd", body), signature, trusted))
        .as("a control message is not a command")
        .isEqualTo(SignatureCheck.Verdict.MISMATCH);
  }

  @Test
  void duringARotationEitherTrustedKeyIsAccepted() {
    String byNewKey = new MessageSigner(other.getPrivate()).sign(command);
    assertThat(
            SignatureCheck.check(
                command, byNewKey, List.of(platform.getPublic(), other.getPublic())))
        .isEqualTo(SignatureCheck.Verdict.VALID);
  }

  @Test
  void missingMalformedAndUncheckableSignaturesAreTold() {
    List<PublicKey> trusted = List.of(platform.getPublic());
    assertThat(SignatureCheck.check(command, null, trusted))
        .isEqualTo(SignatureCheck.Verdict.UNSIGNED);
    assertThat(SignatureCheck.check(command, " ", trusted))
        .isEqualTo(SignatureCheck.Verdict.UNSIGNED);
    assertThat(SignatureCheck.check(command, "not base64!", trusted))
        .isEqualTo(SignatureCheck.Verdict.MALFORMED);
    assertThat(SignatureCheck.check(command, "AAAA", trusted))
        .isEqualTo(SignatureCheck.Verdict.MALFORMED);
    assertThat(SignatureCheck.check(command, signer.sign(command), List.of()))
        .isEqualTo(SignatureCheck.Verdict.NO_TRUSTED_KEY);
  }

  @Test
  void keysRoundTripThroughPemAndBareBase64AndSeveralCanBeListed() {
    String pems = PlatformKeys.pem(platform.getPublic()) + PlatformKeys.pem(other.getPublic());
    assertThat(PlatformKeys.publicKeys(pems))
        .containsExactly(platform.getPublic(), other.getPublic());
    String bare =
        java.util.Base64.getEncoder().encodeToString(platform.getPublic().getEncoded())
            + ","
            + java.util.Base64.getEncoder().encodeToString(other.getPublic().getEncoded());
    assertThat(PlatformKeys.publicKeys(bare))
        .containsExactly(platform.getPublic(), other.getPublic());
    assertThat(PlatformKeys.privateKey(PlatformKeys.pem(platform.getPrivate())))
        .isEqualTo(platform.getPrivate());
  }

  @Test
  void badKeyTextIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> PlatformKeys.publicKeys("c2VjcmV0LXNlY3JldA=="))
        .hasMessageNotContaining("c2VjcmV0")
        .hasMessageContaining("public key 1");
    assertThatThrownBy(() -> PlatformKeys.privateKey(PlatformKeys.pem(platform.getPublic())))
        .hasMessageContaining("PRIVATE KEY");
    assertThatThrownBy(() -> SignedContent.command("a\nb", null, body).bytes())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
