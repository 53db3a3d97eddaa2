package io.clusteragent.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The body of an error reply or error frame: a stable code and a human message. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String id, String code, String message, Long retryAfterMs) {}
