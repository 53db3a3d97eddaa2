package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.Frame;
import io.clusteragent.cli.NoReplyException;
import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.PlatformStream;
import io.clusteragent.protocol.Envelope;
import io.clusteragent.protocol.FrameKind;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two packaged agents serve one cluster (one NATS queue group) while the platform creates objects
 * through them from four threads; one process is SIGKILLed mid-load, as the OOM killer or a node
 * loss would. Each command creates a ConfigMap from {@code generateName}, so a command run twice
 * leaves two objects behind: the API server itself counts executions. Expected: no command ran
 * twice; a command that got its 201 left exactly one object; every command sent after the kill was
 * answered, by the survivor; the only commands without an answer were in flight on the killed
 * process, and the platform's deadline ended them.
 */
@WithTestEnvironment
class ReplicaKillProcessIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "replica-kill";
  private static final int WORKERS = 4;
  private static final int KILL_AFTER = 60;
  private static final int COMMANDS = 240;
  private static final String USER = "replica-kill@example.com";
  private static final String DOOMED = "agent-doomed";
  private static final String SURVIVOR = "agent-survivor";
  private static final Duration DEADLINE = Duration.ofSeconds(8);

  @TempDir Path work;

  /** What the platform saw of one command. */
  private record Outcome(int index, String instance, int status, String error, boolean afterKill) {}

  @Test
  void whenOneReplicaProcessIsKilledTheOtherServesAndNothingRunsTwice(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "replica-kill");
    env.kubectl("create", "rolebinding", "edit", "--clusterrole=edit", "--user=" + USER, "-n", ns)
        .assertSuccess();
    Path doomedLog = work.resolve("doomed.log");
    Path survivorLog = work.resolve("survivor.log");
    Process doomed = start(env, ns, DOOMED, doomedLog);
    Process survivor = start(env, ns, SURVIVOR, survivorLog);
    try (Connection nats = Nats.connect(env.natsUrl())) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      awaitBothServing(platform, doomed, doomedLog, survivor, survivorLog);

      TrustTally tally = TrustTally.ofThisBuild();
      AtomicInteger next = new AtomicInteger();
      AtomicInteger completed = new AtomicInteger();
      Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
      AtomicBoolean killed = new AtomicBoolean();
      String fault = tally.injected("one of two replica processes SIGKILLed under load");
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        workers.add(
            Thread.ofVirtual()
                .start(() -> {
                  int index;
                  while ((index = next.getAndIncrement()) < COMMANDS) {
                    // sent after the kill had fully happened: the survivor alone must answer it
                    boolean afterKill = killed.get();
                    outcomes.put(index, create(platform, ns, index, afterKill));
                    completed.incrementAndGet();
                  }
                }));
      }
      while (completed.get() < KILL_AFTER) {
        Thread.sleep(20);
      }
      // the JVM and everything it started die at once, without a goodbye on the NATS connection
      List<ProcessHandle> tree = doomed.descendants().toList();
      doomed.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      assertThat(doomed.waitFor(30, TimeUnit.SECONDS)).isTrue();
      killed.set(true);
      for (Thread worker : workers) {
        if (!worker.join(Duration.ofMinutes(2))) {
          Throwable stuck = new Throwable("a worker still running");
          stuck.setStackTrace(worker.getStackTrace());
          throw new AssertionError("a platform worker did not finish", stuck);
        }
      }
      assertThat(outcomes).hasSize(COMMANDS);

      Map<String, Integer> objectsPerCommand = objectsPerCommand(env, ns);
      List<Outcome> ranTwice = new ArrayList<>();
      List<Outcome> answeredWithoutObject = new ArrayList<>();
      List<Outcome> unansweredAfterKill = new ArrayList<>();
      List<Outcome> inFlightAtKill = new ArrayList<>();
      Set<String> servedBeforeKill = new HashSet<>();
      int servedBySurvivorAfterKill = 0;
      for (Outcome outcome : outcomes.values()) {
        int objects = objectsPerCommand.getOrDefault(Integer.toString(outcome.index()), 0);
        if (objects > 1) {
          ranTwice.add(outcome);
        }
        if (outcome.status() == 201 && objects != 1) {
          answeredWithoutObject.add(outcome);
        }
        if (outcome.afterKill()) {
          if (outcome.status() == 201 && SURVIVOR.equals(outcome.instance())) {
            servedBySurvivorAfterKill++;
          } else {
            unansweredAfterKill.add(outcome);
          }
        } else if (outcome.status() == 201) {
          servedBeforeKill.add(outcome.instance());
        } else {
          inFlightAtKill.add(outcome);
        }
      }
      long afterKill = outcomes.values().stream().filter(Outcome::afterKill).count();
      System.out.printf(
          "replica kill: %d commands, %d sent after the kill (%d served by the survivor), %d in"
              + " flight on the killed process and ended by the deadline (%d of them had run),"
              + " %d ran twice%n",
          COMMANDS,
          afterKill,
          servedBySurvivorAfterKill,
          inFlightAtKill.size(),
          inFlightAtKill.stream()
              .filter(o -> objectsPerCommand.containsKey(Integer.toString(o.index())))
              .count(),
          ranTwice.size());
      tally.messagesLost(
          unansweredAfterKill.size() + answeredWithoutObject.size(),
          "commands sent after a replica process was killed");
      assertThat(ranTwice).as("commands run twice").isEmpty();
      assertThat(answeredWithoutObject).as("answered 201 but no single object").isEmpty();
      assertThat(unansweredAfterKill).as("commands sent after the kill, not served").isEmpty();
      assertThat(afterKill).as("commands were still being sent after the kill").isPositive();
      assertThat(servedBeforeKill).as("both replicas served before the kill").hasSize(2);
      assertThat(inFlightAtKill)
          .as("only commands in flight on the killed process go unanswered")
          .hasSizeLessThanOrEqualTo(WORKERS)
          .allSatisfy(o -> assertThat(o.error()).isEqualTo("no reply before the deadline"));
      assertThat(survivor.isAlive()).as(Files.readString(survivorLog)).isTrue();
      tally.survived(fault);
    } finally {
      doomed.destroyForcibly();
      survivor.destroy();
      survivor.waitFor(60, TimeUnit.SECONDS);
      survivor.destroyForcibly();
    }
  }

  /**
   * One {@code kube.request} POST, as the kubectl gateway sends it, whose body creates a ConfigMap
   * labelled with the command's index.
   */
  private static Outcome create(PlatformClient platform, String ns, int index, boolean afterKill) {
    ObjectNode payload =
        JSON.createObjectNode()
            .put("method", "POST")
            .put("path", "/api/v1/namespaces/" + ns + "/configmaps")
            .put("body", true);
    payload.putObject("headers").putArray("Content-Type").add("application/json");
    Envelope unsigned = platform.envelope("kube.request", payload, DEADLINE, 8);
    Envelope envelope =
        new Envelope(
            unsigned.v(),
            unsigned.id(),
            unsigned.type(),
            unsigned.deadline(),
            new Envelope.ActorBody(USER, List.of()),
            payload,
            unsigned.credit());
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"generateName\":\"cmd-\","
            + "\"labels\":{\"cmd\":\""
            + index
            + "\"}},\"data\":{\"k\":\"v\"}}";
    try (PlatformStream stream = platform.openStream(envelope)) {
      // input credit arrives as frames this thread reads, so the body goes from another one
      Thread.ofVirtual()
          .start(() -> {
            try {
              if (stream.write(body.getBytes(StandardCharsets.UTF_8), 64 * 1024, DEADLINE)) {
                stream.endInput();
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      long until = System.nanoTime() + DEADLINE.toNanos();
      while (System.nanoTime() < until) {
        Frame frame = stream.next(Duration.ofMillis(500));
        if (frame == null || frame.kind() == FrameKind.HEARTBEAT) {
          continue;
        }
        if (frame.kind() == FrameKind.DATA) {
          JsonNode head = JSON.readTree(frame.body());
          return new Outcome(index, frame.instance(), head.path("status").asInt(), null, afterKill);
        }
        if (frame.terminal()) {
          return new Outcome(index, frame.instance(), 0, frame.text(), afterKill);
        }
      }
      return new Outcome(index, null, 0, "no reply before the deadline", afterKill);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(index, null, 0, "interrupted", afterKill);
    } catch (RuntimeException e) {
      return new Outcome(index, null, 0, e.toString(), afterKill);
    }
  }

  /** How many ConfigMaps each command index left in the namespace, read back from the labels. */
  private static Map<String, Integer> objectsPerCommand(TestEnvironment env, String ns) {
    String labels =
        env.kubectl(
                "get",
                "configmaps",
                "-n",
                ns,
                "-l",
                "cmd",
                "-o",
                "jsonpath={range .items[*]}{.metadata.labels.cmd}{\"\\n\"}{end}")
            .assertSuccess()
            .stdout();
    Map<String, Integer> counts = new HashMap<>();
    labels.lines().filter(l -> !l.isBlank()).forEach(l -> counts.merge(l.strip(), 1, Integer::sum));
    return counts;
  }

  /**
   * Waits until both processes answer: pings go to whichever queue member NATS picks, so both are
   * serving once replies have come from both instances (the instance id is the pod name).
   */
  private static void awaitBothServing(
      PlatformClient platform, Process doomed, Path doomedLog, Process survivor, Path survivorLog)
      throws Exception {
    PackagedAgent.awaitServing(platform, doomed, doomedLog);
    PackagedAgent.awaitServing(platform, survivor, survivorLog);
    Set<String> instances = new HashSet<>();
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (instances.size() < 2 && System.nanoTime() < until) {
      try {
        instances.add(platform.request("ping", null, Duration.ofSeconds(2)).instance());
      } catch (NoReplyException e) {
        // one of them still starting
      }
    }
    assertThat(instances).as("replies from both replicas").hasSize(2);
    assertThat(instances).contains(DOOMED, SURVIVOR);
  }

  private static Process start(TestEnvironment env, String ns, String pod, Path output)
      throws Exception {
    Map<String, String> environment =
        PackagedAgent.environment(env, CLUSTER, PackagedAgent.freePort());
    environment.put("POD_NAMESPACE", ns);
    environment.put("POD_NAME", pod);
    return PackagedAgent.start(List.of("-Xmx128m", "-XX:+UseSerialGC"), environment, output);
  }
}
