package io.clusteragent.core.command;

import java.time.Instant;

/** What a handler may know about the command it runs, and where a stream writes. */
public record CommandContext(
    String commandId,
    Instant deadline,
    Actor actor,
    StreamSink stream,
    Cancellation cancellation) {}
