package io.clusteragent.natsbridge.intake;

import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.lifecycle.CommandIntake;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.stream.StreamLauncher;
import io.clusteragent.natsbridge.trust.MessageTrust;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.SignatureCheck;
import io.clusteragent.protocol.Subjects;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes commands off NATS: checks the reply subject, size, the platform's signature, the envelope
 * and that the command is no replay, takes one of the {@code nats_worker_max_workers} permits, and
 * hands the command to the dispatcher (unary) or the {@link StreamLauncher}. Bad input never throws
 * out of here: it gets an error reply, a metric, and the next message is served.
 */
public final class CommandSubscription implements CommandIntake {

  private static final Logger log = LoggerFactory.getLogger(CommandSubscription.class);

  private final NatsSession session;
  private final NatsSettings settings;
  private final EnvelopeDecoder decoder;
  private final CommandDispatcher dispatcher;
  private final StreamLauncher streams;
  private final Replies replies;
  private final MessageTrust trust;
  private final MeterRegistry meters;
  private final Semaphore workers;
  private volatile Dispatcher subscription;

  public CommandSubscription(
      NatsSession session,
      NatsSettings settings,
      int maxWorkers,
      EnvelopeDecoder decoder,
      CommandDispatcher dispatcher,
      StreamLauncher streams,
      Replies replies,
      MessageTrust trust,
      MeterRegistry meters) {
    this.session = session;
    this.settings = settings;
    this.decoder = decoder;
    this.dispatcher = dispatcher;
    this.streams = streams;
    this.replies = replies;
    this.trust = trust;
    this.meters = meters;
    this.workers = new Semaphore(maxWorkers);
  }

  /** Subscribes on the session's connection; replicas share the subject through the queue group. */
  public void start() {
    Connection connection = session.connection();
    Subjects subjects = session.subjects();
    Dispatcher d = connection.createDispatcher(this::onCommand);
    d.subscribe(subjects.commands(), subjects.queueGroup());
    subscription = d;
    log.info("taking commands on {} (queue group {})", subjects.commands(), subjects.queueGroup());
  }

  public boolean isSubscribed() {
    return subscription != null;
  }

  @Override
  public void stopIntake() {
    Dispatcher d = subscription;
    if (d != null && d.isActive()) {
      d.unsubscribe(session.subjects().commands());
    }
  }

  void onCommand(Message msg) {
    try {
      take(msg);
    } catch (RuntimeException e) {
      // Only a failing publish can get here; the dispatcher thread must survive it.
      log.warn("could not answer a command: {}", e.toString());
    }
  }

  private void take(Message msg) {
    String replyTo = msg.getReplyTo();
    byte[] body = msg.getData() == null ? new byte[0] : msg.getData();
    if (replyTo == null || settings.replyPrefixes().stream().noneMatch(replyTo::startsWith)) {
      reject(
          replyTo == null
              ? "command without a reply subject"
              : "reply subject outside the allowed space");
      return;
    }
    if (body.length > settings.maxCommandSize().toBytes()) {
      replies.error(
          replyTo,
          null,
          ErrorCode.PAYLOAD_TOO_LARGE,
          "command of "
              + body.length
              + " bytes exceeds the limit of "
              + settings.maxCommandSize().toBytes(),
          null);
      return;
    }
    // Authenticity first: nothing of an unsigned command is acted on; its id is read only to echo
    // it.
    SignatureCheck.Verdict verdict = trust.command(msg, body);
    EnvelopeDecoder.Decoded decoded = decoder.decode(body);
    if (verdict != SignatureCheck.Verdict.VALID) {
      String id =
          decoded instanceof EnvelopeDecoder.Decoded.Valid v
              ? v.request().id()
              : ((EnvelopeDecoder.Decoded.Invalid) decoded).id();
      replies.error(
          replyTo, id, ErrorCode.UNAUTHENTICATED, "command refused: " + verdict.reason(), null);
      return;
    }
    if (decoded instanceof EnvelopeDecoder.Decoded.Invalid invalid) {
      replies.error(replyTo, invalid.id(), invalid.code(), invalid.message(), null);
      return;
    }
    EnvelopeDecoder.Decoded.Valid valid = (EnvelopeDecoder.Decoded.Valid) decoded;
    switch (trust.firstSighting(valid.request().id(), valid.request().deadline())) {
      case FIRST -> {}
      case REPLAY -> {
        replies.error(
            replyTo,
            valid.request().id(),
            ErrorCode.UNAUTHENTICATED,
            "command refused: id " + valid.request().id() + " was already received (a replay)",
            null);
        return;
      }
      case FULL -> {
        replies.error(
            replyTo,
            valid.request().id(),
            ErrorCode.BUSY,
            "too many commands within their deadlines; retry later",
            1000L);
        return;
      }
    }
    if (!workers.tryAcquire()) {
      replies.error(
          replyTo,
          valid.request().id(),
          ErrorCode.BUSY,
          "all NATS workers are busy; retry later",
          1000L);
      return;
    }
    boolean streaming = dispatcher.isStreaming(valid.request().type());
    meters.counter("agent.commands.received", "streaming", Boolean.toString(streaming)).increment();
    try {
      if (streaming) {
        // A stream's permit covers its start only: long streams are bounded by the proxy-stream
        // bulkhead.
        try {
          streams.launch(replyTo, valid.request(), valid.credit());
        } finally {
          workers.release();
        }
      } else {
        dispatcher
            .dispatch(valid.request())
            .whenComplete((result, error) -> {
              try {
                replies.reply(replyTo, valid.request().id(), result);
              } catch (RuntimeException e) {
                log.warn("could not reply to command {}: {}", valid.request().id(), e.toString());
              } finally {
                workers.release();
              }
            });
      }
    } catch (RuntimeException e) {
      if (!streaming) {
        workers.release();
      }
      log.warn("command {} could not start: {}", valid.request().id(), e.toString());
      replies.error(
          replyTo, valid.request().id(), ErrorCode.INTERNAL, "command could not start", null);
    }
  }

  private void reject(String why) {
    meters.counter("agent.commands.errors", "code", "bad_reply_subject").increment();
    session
        .connection()
        .publish(
            session.subjects().rejected(),
            replies.errorBytes(null, ErrorCode.BAD_REQUEST, why, null));
  }
}
