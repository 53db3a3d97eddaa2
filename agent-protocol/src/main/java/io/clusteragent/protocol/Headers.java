package io.clusteragent.protocol;

/** NATS header names. Frame metadata rides in headers so bodies stay raw bytes. */
public final class Headers {

  /** On unary replies: {@code ok} or {@code error}. */
  public static final String STATUS = "Agent-Status";

  public static final String ERROR_CODE = "Agent-Error-Code";
  public static final String RETRY_AFTER_MS = "Agent-Retry-After-Ms";
  public static final String CONTENT_TYPE = "Content-Type";

  /** On stream frames: see {@link FrameKind}. */
  public static final String FRAME = "Agent-Frame";

  public static final String STREAM = "Agent-Stream";
  public static final String SEQ = "Agent-Seq";

  /** The replica that runs a command or owns a stream. */
  public static final String INSTANCE = "Agent-Instance";

  /** On credit frames: how many more input frames the platform may send. */
  public static final String CREDIT = "Agent-Credit";

  /** On everything the platform sends (commands, control, input): its Ed25519 signature, base64. */
  public static final String SIGNATURE = "Agent-Signature";

  private Headers() {}
}
