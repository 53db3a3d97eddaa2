package io.clusteragent.core.command;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** A decoded command: what to do, for whom, until when. Transport details stay in the bridge. */
public record CommandRequest(
    String id, String type, Instant deadline, Actor actor, JsonNode payload) {}
