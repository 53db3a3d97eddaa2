package io.clusteragent.helm.binary;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretRedactionTest {

  @Test
  void bearerTokensAreRemoved() {
    String out = SecretRedaction.redact("GET /api Authorization: Bearer abc.def-123 failed");
    assertThat(out).doesNotContain("abc.def-123").contains("[REDACTED]").contains("failed");
  }

  @Test
  void passwordsTokensAndKeysAfterSeparatorsAreRemoved() {
    String out =
        SecretRedaction.redact(
            "password=hunter2 \"token\": \"s3cr3t\" client-key-data: LS0tLS1 --kube-token=xyz");
    assertThat(out).doesNotContain("hunter2", "s3cr3t", "LS0tLS1", "xyz");
  }

  @Test
  void jwtsAnywhereAndUrlUserInfoAreRemoved() {
    String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";
    String out =
        SecretRedaction.redact("token " + jwt + " from https://admin:pa55@repo.example.com/charts");
    assertThat(out)
        .doesNotContain(jwt, "pa55")
        .contains("https://[REDACTED]@repo.example.com/charts");
  }

  @Test
  void ordinaryErrorsAreUntouched() {
    String text = "Error: release: not found";
    assertThat(SecretRedaction.redact(text)).isEqualTo(text);
    assertThat(SecretRedaction.redact(null)).isEmpty();
  }

  @Test
  void basicAuthTokensGoButTheWordsAfterBasicStay() {
    String header = "Authorization: Basic dXNlcjpodW50ZXIy"; // user:hunter2
    assertThat(SecretRedaction.redact(header)).doesNotContain("dXNlcjpodW50ZXIy");
    assertThat(SecretRedaction.redact("basic QWxhZGRpbkFsYWRkaW5BbGFkZGlu"))
        .doesNotContain("QWxhZGRpbkFsYWRkaW5BbGFkZGlu");
    String readable = "GET https://r.example.com/v2/x: basic credential not found";
    assertThat(SecretRedaction.redact(readable)).isEqualTo(readable);
  }
}
