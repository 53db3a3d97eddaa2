package io.clusteragent.helm.stacks;

import io.clusteragent.helm.releases.ProgressFrames;
import io.clusteragent.protocol.CommandException;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One run's record of a stack: each node's latest outcome, saved to {@link StackState} as nodes
 * finish and reported as stream events, so the platform sees progress and the cluster keeps it.
 */
final class StackRecord {

  private static final Logger log = LoggerFactory.getLogger(StackRecord.class);

  private final StackState state;
  private final String name;
  private final String document;
  private final Map<NodeRef, StackState.NodeState> nodes;

  StackRecord(
      StackState state, String name, String document, Map<NodeRef, StackState.NodeState> nodes) {
    this.state = state;
    this.name = name;
    this.document = document;
    this.nodes = nodes;
  }

  void save(String phase) throws CommandException {
    state.write(
        new StackState.Stored(
            name, document, phase, StackState.now(), new ArrayList<>(nodes.values())));
  }

  /** Progress from the runner: events to the stream, each finished node saved. */
  static final class Listener implements StackProgress {
    private final StackRecord record;
    private final ProgressFrames progress;
    private final Function<NodeRef, String> fingerprints;

    Listener(StackRecord record, ProgressFrames progress, Function<NodeRef, String> fingerprints) {
      this.record = record;
      this.progress = progress;
      this.fingerprints = fingerprints;
    }

    @Override
    public void started(String stack, StackNode node) {
      progress.node(stack, node.ref().kind().documentName(), node.name(), "started", null);
    }

    @Override
    public void finished(NodeResult result) {
      NodeRef ref = result.node();
      String status = result.status().name().toLowerCase(Locale.ROOT);
      progress.node(
          result.stack(), ref.kind().documentName(), ref.name(), status, result.message());
      StackState.NodeState before = record.nodes.get(ref);
      String fingerprint =
          switch (result.status()) {
            case APPLIED, UNCHANGED -> fingerprints.apply(ref);
            // a failed change leaves the release in a state no fingerprint describes
            case FAILED -> "";
            case BLOCKED, NOT_STARTED -> before == null ? "" : before.fingerprint();
          };
      record.nodes.put(
          ref,
          new StackState.NodeState(
              ref.kind().documentName(), ref.name(), status, result.message(), fingerprint));
      try {
        record.save("running");
      } catch (CommandException e) {
        // the run goes on; the final save reports the state, or fails the command, as it can
        log.warn("stack {}: saving progress failed: {}", record.name, e.getMessage());
      }
    }
  }

  static ObjectNode report(JsonMapper json, String stack, String phase, StackRunResult result) {
    ObjectNode report =
        json.createObjectNode()
            .put("stack", stack)
            .put("phase", phase)
            .put("succeeded", result.succeeded())
            .put("cancelled", result.cancelled());
    ArrayNode nodes = report.putArray("nodes");
    for (NodeResult node : result.nodes()) {
      ObjectNode item =
          nodes
              .addObject()
              .put("kind", node.node().kind().documentName())
              .put("name", node.node().name())
              .put("status", node.status().name().toLowerCase(Locale.ROOT))
              .put("message", node.message());
      node.error().ifPresent(code -> item.put("error", code.name()));
    }
    return report;
  }
}
