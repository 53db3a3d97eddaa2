package io.clusteragent.helm.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChartVersionTest {

  private static ChartVersion v(String text) throws Exception {
    return ChartVersion.parse("version", text);
  }

  @Test
  void versionsOrderAsSemverDoes() throws Exception {
    assertThat(v("2.1.1250")).isGreaterThan(v("2.1.999"));
    assertThat(v("2.10.0")).isGreaterThan(v("2.9.9"));
    assertThat(v("2.2.0")).isGreaterThan(v("2.2.0-rc.1"));
    assertThat(v("2.2.0-rc.10")).isGreaterThan(v("2.2.0-rc.9"));
    assertThat(v("2.2.0-rc.1")).isGreaterThan(v("2.2.0-beta.5"));
    assertThat(v("v1.0.0+build.7")).isEqualByComparingTo(v("1.0.0"));
  }

  @Test
  void rangesAndNonsenseAreRefused() {
    for (String bad : new String[] {"^2.0.0", "2.0", "latest", "", "2.0.0 || 3.0.0"}) {
      assertThatThrownBy(() -> v(bad)).hasMessageContaining("exact chart version");
    }
  }
}
