package io.clusteragent.natsbridge.trust;

import io.clusteragent.protocol.Control;
import io.clusteragent.protocol.Headers;
import io.clusteragent.protocol.SignatureCheck;
import io.clusteragent.protocol.SignedContent;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Message;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Decides whether a message really comes from the platform: commands, control messages and stream
 * input must carry a valid signature by a trusted platform key; commands must not be replays and
 * control messages must be fresh. Every refusal is counted in {@code
 * agent.messages.refused{channel, reason}}, so an attack or a key mix-up shows on a dashboard.
 */
public final class MessageTrust {

  private final TrustedKeys keys;
  private final ReplayGuard replays;
  private final Duration controlMaxAge;
  private final Clock clock;
  private final MeterRegistry meters;

  public MessageTrust(
      TrustedKeys keys,
      ReplayGuard replays,
      SigningSettings settings,
      Clock clock,
      MeterRegistry meters) {
    this.keys = keys;
    this.replays = replays;
    this.controlMaxAge = settings.controlMaxAge();
    this.clock = clock;
    this.meters = meters;
  }

  /**
   * The signature verdict for a command published on {@code msg}'s subject with its reply subject.
   */
  public SignatureCheck.Verdict command(Message msg, byte[] body) {
    return counted(
        "command",
        SignatureCheck.check(
            SignedContent.command(msg.getSubject(), msg.getReplyTo(), body),
            signature(msg),
            keys.current()));
  }

  /** Records a verified command's id; a second sighting before its deadline is a replay. */
  public ReplayGuard.Sighting firstSighting(String commandId, Instant deadline) {
    ReplayGuard.Sighting sighting = replays.record(commandId, deadline);
    if (sighting != ReplayGuard.Sighting.FIRST) {
      refused("command", sighting.name());
    }
    return sighting;
  }

  /** True when a control message is signed by the platform and was sent within the allowed age. */
  public boolean control(Message msg, Control control) {
    byte[] body = msg.getData() == null ? new byte[0] : msg.getData();
    if (counted(
            "control",
            SignatureCheck.check(
                SignedContent.control(msg.getSubject(), body), signature(msg), keys.current()))
        != SignatureCheck.Verdict.VALID) {
      return false;
    }
    if (control.at() == null
        || Duration.between(Instant.ofEpochMilli(control.at()), clock.instant())
                .abs()
                .compareTo(controlMaxAge)
            > 0) {
      refused("control", "stale");
      return false;
    }
    return true;
  }

  /**
   * True when a stream input frame is signed by the platform (its stream, kind and sequence
   * included).
   */
  public boolean input(Message msg, String stream, String frame, String seq, byte[] body) {
    return counted(
            "input",
            SignatureCheck.check(
                SignedContent.input(msg.getSubject(), stream, frame, seq, body),
                signature(msg),
                keys.current()))
        == SignatureCheck.Verdict.VALID;
  }

  private SignatureCheck.Verdict counted(String channel, SignatureCheck.Verdict verdict) {
    if (verdict != SignatureCheck.Verdict.VALID) {
      refused(channel, verdict.name());
    }
    return verdict;
  }

  private void refused(String channel, String reason) {
    meters
        .counter(
            "agent.messages.refused", "channel", channel, "reason", reason.toLowerCase(Locale.ROOT))
        .increment();
  }

  private static String signature(Message msg) {
    return msg.getHeaders() == null ? null : msg.getHeaders().getFirst(Headers.SIGNATURE);
  }
}
