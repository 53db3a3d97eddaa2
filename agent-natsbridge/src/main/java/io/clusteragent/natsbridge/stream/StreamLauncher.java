package io.clusteragent.natsbridge.stream;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandRequest;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.stream.CommandStream;
import io.clusteragent.core.stream.StreamLimits;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.intake.Replies;
import io.clusteragent.protocol.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a stream for a streaming command: builds its {@link CommandStream} on the reply subject,
 * registers it where control messages find it, runs the command with the stream's cancellation, and
 * sends the final frame its result calls for. A stream stays where control messages find it until
 * its final frame is out: a write's may wait for the platform's next grant (see {@link
 * CommandStream}) or for the connection to settle after an outage ({@link OutageHold}).
 */
public final class StreamLauncher {

  private static final Logger log = LoggerFactory.getLogger(StreamLauncher.class);

  private final NatsSession session;
  private final NatsSettings settings;
  private final String instanceId;
  private final CommandDispatcher dispatcher;
  private final LiveStreams streams;
  private final OutageHold outages;
  private final Replies replies;
  private final MeterRegistry meters;

  public StreamLauncher(
      NatsSession session,
      NatsSettings settings,
      AgentIdentity identity,
      CommandDispatcher dispatcher,
      LiveStreams streams,
      OutageHold outages,
      Replies replies,
      MeterRegistry meters) {
    this.session = session;
    this.settings = settings;
    this.instanceId = identity.instanceId();
    this.dispatcher = dispatcher;
    this.streams = streams;
    this.outages = outages;
    this.replies = replies;
    this.meters = meters;
  }

  public void launch(String replyTo, CommandRequest request, int credit) {
    Connection connection = session.connection();
    int frameBytes =
        (int) Math.min(settings.frameSize().toBytes(), connection.getMaxPayload() - 1024);
    StreamLimits limits =
        new StreamLimits(frameBytes, settings.streamStallTimeout(), settings.streamInputWindow());
    CommandStream stream =
        new CommandStream(
            request.id(),
            new NatsFrames(connection, replyTo, request.id(), instanceId),
            credit,
            limits,
            dispatcher.jobClass(request.type()),
            meters);
    if (!streams.add(stream)) {
      replies.error(
          replyTo,
          request.id(),
          ErrorCode.BAD_REQUEST,
          "a stream with id " + request.id() + " is already open",
          null);
      return;
    }
    dispatcher
        .dispatch(request, stream, stream.cancellation())
        .whenComplete((result, error) -> {
          boolean keepUntilFinalSent = false;
          try {
            boolean lostWithTheConnection =
                result instanceof CommandResult.Failure failure
                    && failure.code() == ErrorCode.UPSTREAM_UNAVAILABLE
                    && stream.closeReason() != null;
            // a write that went on through an outage: its outcome must reach the platform
            boolean writeDuringOutage = stream.isWrite() && !outages.settled();
            if (lostWithTheConnection || writeDuringOutage) {
              outages.hold(() -> replies.finish(stream, result));
              // a write that stalled in the outage holds its final frame for the next grant
              keepUntilFinalSent = writeDuringOutage;
            } else {
              replies.finish(stream, result);
              keepUntilFinalSent = stream.holdsFinal();
            }
          } catch (RuntimeException e) {
            log.warn("could not end stream {}: {}", request.id(), e.toString());
            keepUntilFinalSent = false;
          } finally {
            if (keepUntilFinalSent) {
              stream.finalSent().whenComplete((sent, failed) -> streams.remove(stream));
            } else {
              streams.remove(stream);
            }
          }
        });
  }
}
