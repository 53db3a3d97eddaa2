package io.clusteragent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "default", "kube-system", "team-a1", "0abc"})
  void dnsLabelsAccepted(String name) {
    assertThat(Names.DNS_LABEL.accepts(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "A", "a.b", "-a", "a-", "a_b", "..", "a/b", "a?b", "a b", "a\n"})
  void dnsLabelsRefused(String name) {
    assertThat(Names.DNS_LABEL.accepts(name)).isFalse();
  }

  @Test
  void dnsLabelIsAtMost63Characters() {
    assertThat(Names.DNS_LABEL.accepts("a".repeat(63))).isTrue();
    assertThat(Names.DNS_LABEL.accepts("a".repeat(64))).isFalse();
  }

  @Test
  void dnsSubdomainAllowsDotsUpTo253Characters() {
    assertThat(Names.DNS_SUBDOMAIN.accepts("cert-manager.io")).isTrue();
    assertThat(Names.DNS_SUBDOMAIN.accepts("web-0")).isTrue();
    String longest = ("a".repeat(63) + ".").repeat(3) + "a".repeat(61);
    assertThat(longest).hasSize(253);
    assertThat(Names.DNS_SUBDOMAIN.accepts(longest)).isTrue();
    assertThat(Names.DNS_SUBDOMAIN.accepts(longest + "a")).isFalse();
    for (String bad : new String[] {"", ".", "..", "a..b", ".a", "a.", "A.b", "a/b", "a_b"}) {
      assertThat(Names.DNS_SUBDOMAIN.accepts(bad)).as(bad).isFalse();
    }
  }

  @Test
  void objectNamesAreOnePathSegment() {
    for (String good : new String[] {"web", "system:controller:job", "Mixed.Case_1", "a@b", "x"}) {
      assertThat(Names.OBJECT_NAME.accepts(good)).as(good).isTrue();
    }
    for (String bad : new String[] {"", ".", "..", "a/b", "a?b", "a%2F", "a#b", "-a", "a:", " a"}) {
      assertThat(Names.OBJECT_NAME.accepts(bad)).as(bad).isFalse();
    }
    assertThat(Names.OBJECT_NAME.accepts("a".repeat(253))).isTrue();
    assertThat(Names.OBJECT_NAME.accepts("a".repeat(254))).isFalse();
  }

  @Test
  void helmReleaseIsASubdomainOfAtMost53Characters() {
    assertThat(Names.HELM_RELEASE.accepts("web.v2")).isTrue();
    assertThat(Names.HELM_RELEASE.accepts("a".repeat(53))).isTrue();
    assertThat(Names.HELM_RELEASE.accepts("a".repeat(54))).isFalse();
    for (String bad :
        new String[] {"", "Web", "web_1", "-rf", "--all", "web-", "../etc", "a b", "web;ls"}) {
      assertThat(Names.HELM_RELEASE.accepts(bad)).as(bad).isFalse();
    }
  }

  @Test
  void checkReturnsTheValidValue() throws CommandException {
    assertThat(Names.DNS_LABEL.check("namespace", "namespace", "team-a")).isEqualTo("team-a");
  }

  @Test
  void aRefusalIsABadRequestNamingFieldValueAndRule() {
    assertThatThrownBy(() -> Names.DNS_LABEL.check("namespace", "namespace", ".."))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "namespace '..' is not a valid namespace: expected a DNS-1123 label (lower-case"
                          + " letters, digits and '-', starting and ending with a letter or digit, at"
                          + " most 63 characters)");
            });
    assertThatThrownBy(() -> Names.HELM_RELEASE.check("release", "release name", "a".repeat(54)))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("at most 53 characters");
  }

  @Test
  void aMissingValueIsRequired() {
    assertThatThrownBy(() -> Names.OBJECT_NAME.check("name", "object name", null))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
        .hasMessage("name is required");
  }

  @Test
  void longValuesAreCutInTheMessage() {
    assertThatThrownBy(() -> Names.DNS_LABEL.check("version", "API version", "x".repeat(500) + "?"))
        .hasMessageStartingWith("version '" + "x".repeat(80) + "…' is not a valid API version");
  }

  @Test
  void aRuleOfItsOwnReadsTheSame() {
    Names.Rule digits = new Names.Rule(Pattern.compile("[0-9]{1,3}"), "one to three digits");
    assertThat(digits.accepts("123")).isTrue();
    assertThatThrownBy(() -> digits.check("n", "count", "1234"))
        .hasMessage("n '1234' is not a valid count: expected one to three digits");
  }
}
