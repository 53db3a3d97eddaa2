package io.clusteragent.protocol;

/** Stable error codes carried on the wire; clients switch on these, so never rename one. */
public enum ErrorCode {
  BAD_REQUEST,
  UNKNOWN_TYPE,
  UNSUPPORTED_VERSION,
  PAYLOAD_TOO_LARGE,
  DEADLINE_EXCEEDED,
  BUSY,
  SHUTTING_DOWN,
  CANCELLED,
  FORBIDDEN,
  NOT_FOUND,
  CONFLICT,
  UPSTREAM_UNAVAILABLE,
  INTERNAL,
  /** The command's signature is missing or wrong, or it is a replay: it was not run. */
  UNAUTHENTICATED
}
