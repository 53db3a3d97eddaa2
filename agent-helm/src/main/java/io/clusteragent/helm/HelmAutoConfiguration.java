package io.clusteragent.helm;

import io.clusteragent.helm.binary.HelmBinary;
import io.clusteragent.helm.binary.HelmSettings;
import io.clusteragent.helm.releases.ListReleasesCommand;
import io.clusteragent.helm.releases.ReleaseHistoryCommand;
import io.clusteragent.helm.releases.ReleaseLock;
import io.clusteragent.helm.releases.RollbackReleaseCommand;
import java.nio.file.Path;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/** Helm releases: the bundled helm binary and the {@code helm.releases.*} commands. */
@AutoConfiguration(afterName = "io.clusteragent.core.CoreAutoConfiguration")
@EnableConfigurationProperties({HelmSettings.class, ReleaseSettings.class})
public class HelmAutoConfiguration {

  private final JsonMapper json = JsonMapper.builder().build();

  @Bean
  HelmBinary helmBinary(HelmSettings settings, Clock clock) {
    // The image's root filesystem is read-only; the temp dir is its one writable place.
    Path helmHome = Path.of(System.getProperty("java.io.tmpdir"), "helm");
    return new HelmBinary(settings, System.getenv(), helmHome, clock);
  }

  @Bean
  ReleaseLock releaseLock() {
    return new ReleaseLock();
  }

  @Bean
  ListReleasesCommand listReleasesCommand(HelmBinary helm) {
    return new ListReleasesCommand(helm, json);
  }

  @Bean
  ReleaseHistoryCommand releaseHistoryCommand(HelmBinary helm) {
    return new ReleaseHistoryCommand(helm, json);
  }

  @Bean
  RollbackReleaseCommand rollbackReleaseCommand(HelmBinary helm, ReleaseLock locks) {
    return new RollbackReleaseCommand(helm, locks, json);
  }
}
