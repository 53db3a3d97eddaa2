package io.clusteragent.natsbridge.intake;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.CommandRequest;
import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Checks a command's bytes against the protocol and turns them into a request, or says why not. */
public final class EnvelopeDecoder {

  static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);
  static final Duration MAX_DEADLINE = Duration.ofHours(24);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final int MAX_ACTOR_NAME = 256;
  private static final int MAX_GROUPS = 64;
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");

  /** The result of decoding: a closed set. */
  public sealed interface Decoded {
    record Valid(CommandRequest request, int credit) implements Decoded {}

    /** {@code id} is whatever could be read, possibly null, so the error reply can echo it. */
    record Invalid(String id, ErrorCode code, String message) implements Decoded {}
  }

  private final JsonMapper json;
  private final Clock clock;

  public EnvelopeDecoder(JsonMapper json, Clock clock) {
    this.json = json.rebuild().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    this.clock = clock;
  }

  /**
   * Never throws: whatever the bytes are, the answer is a request or a reason to give the sender.
   */
  public Decoded decode(byte[] body) {
    try {
      return decodeEnvelope(body);
    } catch (RuntimeException e) {
      // A shape the checks below did not foresee must still get a reply, not a dropped message.
      return new Decoded.Invalid(
          null, ErrorCode.BAD_REQUEST, "malformed command (" + e.getClass().getSimpleName() + ")");
    }
  }

  private Decoded decodeEnvelope(byte[] body) {
    Envelope envelope;
    try {
      envelope = json.readValue(body, Envelope.class);
    } catch (JacksonException e) {
      return new Decoded.Invalid(
          null, ErrorCode.BAD_REQUEST, "malformed command: " + firstLine(e.getOriginalMessage()));
    }
    if (envelope == null) {
      return new Decoded.Invalid(null, ErrorCode.BAD_REQUEST, "empty command");
    }
    String id = envelope.id() != null && ID.matcher(envelope.id()).matches() ? envelope.id() : null;
    if (envelope.v() == null) {
      return new Decoded.Invalid(id, ErrorCode.BAD_REQUEST, "missing field 'v' (protocol version)");
    }
    if (envelope.v() != Envelope.VERSION) {
      return new Decoded.Invalid(
          id,
          ErrorCode.UNSUPPORTED_VERSION,
          "protocol version "
              + envelope.v()
              + " is not supported; this agent speaks "
              + Envelope.VERSION);
    }
    if (id == null) {
      return new Decoded.Invalid(
          null,
          ErrorCode.BAD_REQUEST,
          envelope.id() == null
              ? "missing field 'id'"
              : "field 'id' must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    if (envelope.type() == null || envelope.type().isBlank()) {
      return new Decoded.Invalid(id, ErrorCode.BAD_REQUEST, "missing field 'type'");
    }
    if (!TYPE.matcher(envelope.type()).matches()) {
      return new Decoded.Invalid(id, ErrorCode.UNKNOWN_TYPE, "unknown command type");
    }
    Instant now = clock.instant();
    Instant deadline =
        envelope.deadline() == null
            ? now.plus(DEFAULT_DEADLINE)
            : Instant.ofEpochMilli(envelope.deadline());
    if (!deadline.isAfter(now)) {
      return new Decoded.Invalid(
          id, ErrorCode.DEADLINE_EXCEEDED, "the command's deadline has already passed");
    }
    if (deadline.isAfter(now.plus(MAX_DEADLINE))) {
      deadline = now.plus(MAX_DEADLINE);
    }
    int credit = envelope.credit() == null ? 8 : envelope.credit();
    if (credit < 1 || credit > 256) {
      return new Decoded.Invalid(
          id, ErrorCode.BAD_REQUEST, "field 'credit' must be between 1 and 256");
    }
    String actorProblem = actorProblem(envelope.actor());
    if (actorProblem != null) {
      return new Decoded.Invalid(id, ErrorCode.BAD_REQUEST, actorProblem);
    }
    Actor actor =
        envelope.actor() == null
            ? Actor.AGENT
            : new Actor(
                envelope.actor().user(),
                envelope.actor().groups() == null ? List.of() : envelope.actor().groups());
    return new Decoded.Valid(
        new CommandRequest(id, envelope.type(), deadline, actor, envelope.payload()), credit);
  }

  /**
   * The actor becomes Impersonate-* headers and helm flags: no nulls, no control characters,
   * bounded.
   */
  private static String actorProblem(Envelope.ActorBody actor) {
    if (actor == null) {
      return null;
    }
    if (actor.user() != null && !printable(actor.user())) {
      return "field 'actor.user' must be at most " + MAX_ACTOR_NAME + " printable characters";
    }
    if (actor.groups() != null) {
      if (actor.groups().size() > MAX_GROUPS) {
        return "field 'actor.groups' may list at most " + MAX_GROUPS + " groups";
      }
      for (String group : actor.groups()) {
        if (group == null || group.isEmpty() || !printable(group)) {
          return "field 'actor.groups' must hold non-empty strings of at most "
              + MAX_ACTOR_NAME
              + " printable characters";
        }
      }
    }
    return null;
  }

  private static boolean printable(String value) {
    return value.length() <= MAX_ACTOR_NAME && value.chars().noneMatch(Character::isISOControl);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable JSON";
    }
    String line = message.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
