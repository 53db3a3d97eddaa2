package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.CommandResult;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * values.schema.json as the real helm applies it: a wrong value is refused before anything is
 * rendered, and the message names the value (helm prints it as a JSON pointer,
 * /k8s_watch/batch_size); the documented defaults and a values file using every documented key
 * pass.
 */
@WithTestEnvironment
class ChartValuesSchemaTest {

  private static HelmCli helm;

  @BeforeAll
  static void useTheTestEnvironmentsHelm(TestEnvironment env) {
    helm = HelmCli.of(env);
  }

  private static CommandResult template(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "template",
                DocumentedInstall.RELEASE,
                ChartFiles.chartDir().toString(),
                "--namespace",
                DocumentedInstall.NAMESPACE,
                "--set",
                "config.token=t"));
    command.addAll(List.of(args));
    return helm.run(command.toArray(String[]::new));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "read_worker_count=0                         | /read_worker_count",
        "write_worker_count=1001                     | /write_worker_count",
        "nats_worker_max_workers=0                   | /nats_worker_max_workers",
        "log_level=VERBOSE                           | /log_level",
        "config.ankra_url=ftp://x                    | /config/ankra_url",
        "config.ankra_url=http://platform.example.test | /config/ankra_url",
        "public_ip.lookup_url=not-a-url              | /public_ip/lookup_url",
        "public_ip.refresh_seconds=0                 | /public_ip/refresh_seconds",
        "public_ip.reporting_enabled=maybe           | /public_ip/reporting_enabled",
        "resources.limits.memory=lots                | /resources/limits/memory",
        "resources.requests.cpu=fast                 | /resources/requests/cpu",
        "replica_count=-1                            | /replica_count",
        "replica_count=0                             | /replica_count",
        "terminationGracePeriodSeconds=-5            | /terminationGracePeriodSeconds",
        "service.port=70000                          | /service/port",
        "service.port=0                              | /service/port",
        "service.type=Internal                       | /service/type",
        "k8s_watch.batch_size=x                      | /k8s_watch/batch_size",
        "k8s_watch.timeout_seconds=0                 | /k8s_watch/timeout_seconds",
        "k8s_watch.strip_fields=yes                  | /k8s_watch/strip_fields",
        "metrics.serviceMonitor.interval=soon        | /metrics/serviceMonitor/interval",
        "metrics.serviceMonitor.scrapeTimeout=10     | /metrics/serviceMonitor/scrapeTimeout",
        "metrics.dashboard.enabled=sure              | /metrics/dashboard/enabled",
        "writable_volumes.tmp_size_limit=big         | /writable_volumes/tmp_size_limit",
        "image.pull_policy=Sometimes                 | /image/pull_policy",
        "service_account.name=Not_A_Name             | /service_account/name",
        "network_policy.api_server.cidrs[0]=10.0.0.0/33 | /network_policy/api_server/cidrs/0",
        "network_policy.nats.ports[0]=0              | /network_policy/nats/ports/0",
      })
  void aWrongValueIsRefusedWithAMessageNamingIt(String assignment, String pointer) {
    CommandResult result = template("--set", assignment);

    assertThat(result.exitCode()).as(result.stdout()).isNotZero();
    assertThat(result.stderr())
        .contains("values don't meet the specifications of the schema")
        .contains("at '" + pointer + "'");
  }

  @Test
  void theDocumentedDefaultsPass() {
    CommandResult result = template();

    assertThat(result.exitCode()).as(result.stderr()).isZero();
  }

  @Test
  void aValuesFileUsingEveryDocumentedKeyPasses() {
    CommandResult result = template("-f", ChartFiles.everyDocumentedValueFile().toString());
    CommandResult lint = helm.lint(List.of("-f", ChartFiles.everyDocumentedValueFile().toString()));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
    assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void plainHttpPlatformUrlPassesOnlyWhereTheAgentWouldAcceptItToo() {
    // The agent refuses an http:// ankra_url at check-in unless
    // AGENT_ALLOW_INSECURE_ANKRA_URL=true.
    CommandResult allowed =
        template(
            "--set",
            "config.ankra_url=http://platform.example.test",
            "--set",
            "extra_env[0].name=AGENT_ALLOW_INSECURE_ANKRA_URL",
            "--set-string",
            "extra_env[0].value=true");
    CommandResult notAllowed =
        template(
            "--set",
            "config.ankra_url=http://platform.example.test",
            "--set",
            "extra_env[0].name=AGENT_ALLOW_INSECURE_ANKRA_URL",
            "--set-string",
            "extra_env[0].value=false");

    assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
    assertThat(notAllowed.exitCode()).isNotZero();
    assertThat(notAllowed.stderr()).contains("at '/config/ankra_url'");
  }

  @Test
  void lintChecksTheSchemaToo() {
    CommandResult lint = helm.lint(List.of("--set", "config.token=t", "--set", "log_level=LOUD"));

    assertThat(lint.exitCode()).isNotZero();
    assertThat(lint.stdout() + lint.stderr()).contains("/log_level");
  }
}
