package io.clusteragent.helm.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.kubernetes.client.openapi.ApiException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The mapping of the API server's answers, from answers written as the API server writes them (the
 * integration test reaches the 403, 404 and unreachable cases for real; a 422 needs an object the
 * add-on checks never let through).
 */
class ArgoApiErrorsTest {

  private final ArgoApiErrors errors = new ArgoApiErrors(JsonMapper.builder().build(), "argocd");

  @Test
  void anInvalidObjectIsABadRequestWithTheApiServersReason() {
    CommandException e =
        errors.failure(
            "apply Argo CD Application argocd/a-b",
            answer(
                422,
                """
                {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid","code":422,
                 "message":"Application.argoproj.io \\"a-b\\" is invalid: spec.destination: Required value",
                 "details":{"name":"a-b","group":"argoproj.io","kind":"Application"}}
                """));
    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.getMessage())
        .isEqualTo(
            "cannot apply Argo CD Application argocd/a-b: API server answered 422:"
                + " Application.argoproj.io \"a-b\" is invalid: spec.destination: Required value");
  }

  @Test
  void aMissingObjectIsNotFoundAndAMissingTypeSaysArgoCdIsNotInstalled() {
    ApiException missingObject =
        answer(
            404,
            """
            {"kind":"Status","status":"Failure","reason":"NotFound","code":404,
             "message":"applications.argoproj.io \\"a-b\\" not found",
             "details":{"name":"a-b","group":"argoproj.io","kind":"applications"}}
            """);
    ApiException unknownGroup = answer(404, "404 page not found\n");
    ApiException unknownResource =
        answer(
            404,
            """
            {"kind":"Status","status":"Failure","reason":"NotFound","code":404,
             "message":"the server could not find the requested resource","details":{}}
            """);
    assertThat(errors.typeNotServed(missingObject)).isFalse();
    assertThat(errors.typeNotServed(unknownGroup)).isTrue();
    assertThat(errors.typeNotServed(unknownResource)).isTrue();
    assertThat(errors.failure("read x", missingObject).getMessage()).doesNotContain("installed");
    for (ApiException e : new ApiException[] {unknownGroup, unknownResource}) {
      CommandException mapped = errors.failure("read x", e);
      assertThat(mapped.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(mapped.getMessage()).contains("Argo CD is not installed");
    }
  }

  @Test
  void aMissingArgoCdNamespaceIsNamed() {
    CommandException e =
        errors.failure(
            "apply x",
            answer(
                404,
                """
                {"kind":"Status","status":"Failure","reason":"NotFound","code":404,
                 "message":"namespaces \\"argocd\\" not found",
                 "details":{"name":"argocd","kind":"namespaces"}}
                """));
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getMessage()).contains("is Argo CD installed in namespace argocd?");
  }

  @Test
  void statusCodesMapToErrorCodes() {
    assertThat(code(403)).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(code(409)).isEqualTo(ErrorCode.CONFLICT);
    assertThat(code(400)).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(code(413)).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(code(401)).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    assertThat(code(429)).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    assertThat(code(503)).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    assertThat(errors.failure("x", new ApiException("connection refused")).code())
        .isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
  }

  private ErrorCode code(int status) {
    return errors.failure("x", answer(status, "{\"kind\":\"Status\",\"message\":\"m\"}")).code();
  }

  private static ApiException answer(int status, String body) {
    return new ApiException(status, Map.of(), body);
  }
}
