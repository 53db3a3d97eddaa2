package io.clusteragent.helm.binary;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

class HelmFailureTest {

  @Test
  void releaseNotFoundIsNotFound() {
    CommandException e = HelmFailure.from(1, "Error: release: not found\n");
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("helm: release: not found");
  }

  @Test
  void rbacRefusalIsForbiddenEvenWhenTheTextAlsoSaysNotFound() {
    CommandException e =
        HelmFailure.from(
            1,
            "Error: list: failed to list: secrets is forbidden: User \"bob\" cannot list resource \"secrets\" in API group \"\" in the namespace \"not-found\"");
    assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN);
  }

  @Test
  void pendingOperationIsConflict() {
    assertThat(
            HelmFailure.from(
                    1, "Error: another operation (install/upgrade/rollback) is in progress")
                .code())
        .isEqualTo(ErrorCode.CONFLICT);
  }

  @Test
  void unreachableClusterIsUpstreamUnavailable() {
    assertThat(
            HelmFailure.from(
                    1,
                    "Error: Kubernetes cluster unreachable: Get \"https://10.0.0.1:443/version\": dial tcp 10.0.0.1:443: connect: connection refused")
                .code())
        .isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
  }

  @Test
  void anythingElseIsInternalWithShortRedactedMessage() {
    String stderr =
        "level=DEBUG msg=\"request\" Authorization: Bearer sekret\nError: "
            + "x".repeat(2000)
            + " token=sekret";
    CommandException e = HelmFailure.from(1, stderr);
    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(e.getMessage())
        .doesNotContain("sekret")
        .hasSizeLessThanOrEqualTo(HelmFailure.MAX_MESSAGE_LENGTH + 10);
  }

  @Test
  void emptyStderrStillSaysWhatHappened() {
    assertThat(HelmFailure.from(3, "").getMessage()).isEqualTo("helm: helm exited with status 3");
  }

  @Test
  void helmsWaitRunningOutIsDeadlineExceededAndSaysSo() {
    CommandException e =
        HelmFailure.from(
            1,
            "level=WARN msg=\"upgrade failed\"\nError: UPGRADE FAILED: resource Deployment/ns/web"
                + " not ready. status: InProgress\ncontext deadline exceeded\n");
    assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(e.getMessage()).contains("not ready", "helm's timeout passed");
  }

  @Test
  void aChartOrValuesProblemIsBadRequest() {
    assertThat(
            HelmFailure.from(
                    1,
                    "Error: INSTALLATION FAILED: values don't meet the specifications of the"
                        + " schema(s) in the following chart(s):\nweb:\n- at '/replicas': got"
                        + " string, want integer")
                .code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(
            HelmFailure.from(
                    1,
                    "Error: INSTALLATION FAILED: template: web/templates/x.yaml:3:4: executing"
                        + " \"web/templates/x.yaml\" at <.Values.x>: execution error at (x): boom")
                .code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void aNameInUseOrNothingDeployedIsConflict() {
    assertThat(
            HelmFailure.from(
                    1, "Error: INSTALLATION FAILED: cannot re-use a name that is still in use")
                .code())
        .isEqualTo(ErrorCode.CONFLICT);
    assertThat(
            HelmFailure.from(1, "Error: UPGRADE FAILED: \"web\" has no deployed releases").code())
        .isEqualTo(ErrorCode.CONFLICT);
  }

  @Test
  void aRegistryWantingCredentialsIsUpstreamUnavailableAndSaysSoReadably() {
    CommandException e =
        HelmFailure.from(
            1,
            "Error: INSTALLATION FAILED: failed to perform \"FetchReference\" on source: GET"
                + " \"https://127.0.0.1:5000/v2/charts/web/manifests/0.5.0\": basic credential not"
                + " found");
    assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    assertThat(e.getMessage()).contains("basic credential not found");
  }
}
