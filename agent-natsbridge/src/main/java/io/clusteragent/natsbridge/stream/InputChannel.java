package io.clusteragent.natsbridge.stream;

import io.clusteragent.core.stream.CommandStream;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.trust.MessageTrust;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.protocol.Headers;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

/**
 * This replica's input subject: the platform's signed bytes for the streams it owns (exec stdin,
 * port-forward), each frame handed to its {@link CommandStream}, which enforces the credit it
 * granted. Frames that fit no open stream are counted and dropped; the platform learns from the
 * stream's own end.
 */
public final class InputChannel {

  private final NatsSession session;
  private final String instanceId;
  private final LiveStreams streams;
  private final MessageTrust trust;
  private final MeterRegistry meters;

  public InputChannel(
      NatsSession session,
      String instanceId,
      LiveStreams streams,
      MessageTrust trust,
      MeterRegistry meters) {
    this.session = session;
    this.instanceId = instanceId;
    this.streams = streams;
    this.trust = trust;
    this.meters = meters;
  }

  public void start() {
    Dispatcher d = session.connection().createDispatcher(this::onInput);
    d.subscribe(session.subjects().input(instanceId));
  }

  void onInput(Message msg) {
    io.nats.client.impl.Headers headers = msg.getHeaders();
    String id = headers == null ? null : headers.getFirst(Headers.STREAM);
    String kind = headers == null ? null : headers.getFirst(Headers.FRAME);
    String seq = headers == null ? null : headers.getFirst(Headers.SEQ);
    FrameKind frame;
    long sequence;
    try {
      frame = FrameKind.fromWire(kind == null ? "" : kind.strip());
      sequence = Long.parseLong(seq == null ? "" : seq.strip());
    } catch (IllegalArgumentException e) {
      error("malformed");
      return;
    }
    if (id == null || (frame != FrameKind.DATA && frame != FrameKind.END)) {
      error("malformed");
      return;
    }
    byte[] body = msg.getData() == null ? new byte[0] : msg.getData();
    if (!trust.input(msg, id, kind, seq, body)) {
      return; // nobody but the platform may type into a stream
    }
    CommandStream stream = streams.get(id);
    if (stream == null) {
      error("unknown-stream");
      return;
    }
    if (!stream.acceptInput(sequence, frame == FrameKind.END, body)) {
      error("refused");
    }
  }

  private void error(String reason) {
    meters.counter("agent.streams.input.errors", "reason", reason).increment();
  }
}
