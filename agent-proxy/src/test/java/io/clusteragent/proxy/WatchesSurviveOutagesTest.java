package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.cli.PlatformClient;
import io.clusteragent.cli.ResourceWatcher;
import io.clusteragent.testsupport.InProcessAgent;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.TrustTally;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The platform-side watcher keeps its view equal to the server's while objects change throughout
 * and everything between them is cut: nats-server restarted, the agent restarted, the API server
 * restarted, and a real 410 (etcd compacted past the watch's resourceVersion). Every event is seen
 * once, in order: an object's resourceVersions only ever grow.
 */
@WithTestEnvironment
class WatchesSurviveOutagesTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "survive";

  @Test
  void aWatchedViewEndsEqualToTheServerAcrossNatsAgentAndApiServerRestarts(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "survive");
    seed(env, ns);
    ConfigurableApplicationContext agent = InProcessAgent.start(env, CLUSTER, Map.of());
    try (Connection nats = Nats.connect(env.reconnectingNatsOptions());
        Writer writer = new Writer(env, ns)) {
      PlatformClient platform = new PlatformClient(nats, "agent", CLUSTER, env.platformSigner());
      InProcessAgent.awaitServing(platform);
      View view = new View();
      try (ResourceWatcher watcher = watch(platform, ns, view)) {
        view.awaitResyncs(1);
        writer.start();
        writer.awaitWrites(10);
        TrustTally tally = TrustTally.ofThisBuild();

        String natsRestart = tally.injected("nats-server restarted during a watch");
        env.restartNats();
        writer.awaitWrites(10);

        String agentRestart = tally.injected("the agent restarted during a watch");
        agent.close();
        agent = InProcessAgent.start(env, CLUSTER, Map.of());
        writer.awaitWrites(10);

        String apiRestart = tally.injected("API server restarted during a watch");
        env.restartApiServer();
        writer.awaitWrites(10);

        writer.stop();
        view.awaitEqual(env, ns, watcher);
        List.of(natsRestart, agentRestart, apiRestart).forEach(tally::survived);
        System.out.printf(
            "watch across outages: %d writes, %d events, %d resyncs, %d reopens%n",
            writer.writes.get(), view.events.get(), watcher.resyncs(), watcher.reopens());
        // the agent's restart cuts the watch for sure; a NATS or API server restart may be ridden
        // out by one re-open, or end in a 410 and a resync instead
        assertThat(watcher.reopens() + watcher.resyncs() - 1)
            .as("watches re-opened or re-listed after the cuts")
            .isGreaterThanOrEqualTo(1);
      }
      assertThat(view.repeats).as("events seen twice or out of order").isEmpty();
    } finally {
      agent.close();
    }
  }

  @Test
  void aWatchBehindACompactedHistoryResyncsOnceToTheServersState(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "gone");
    seed(env, ns);
    try (ConfigurableApplicationContext agent =
            InProcessAgent.start(env, CLUSTER + "-gone", Map.of());
        Connection nats = Nats.connect(env.reconnectingNatsOptions())) {
      PlatformClient platform =
          new PlatformClient(nats, "agent", CLUSTER + "-gone", env.platformSigner());
      InProcessAgent.awaitServing(platform);
      View view = new View();
      try (ResourceWatcher watcher = watch(platform, ns, view)) {
        view.awaitResyncs(1);
        TrustTally tally = TrustTally.ofThisBuild();
        String fault = tally.injected("410 Gone: a watch behind a compacted etcd history");
        // cut the watcher off, change what it watches, and take the history away
        env.stopNats();
        for (int i = 0; i < 5; i++) {
          env.kubectl("create", "configmap", "while-away-" + i, "-n", ns).assertSuccess();
        }
        env.kubectl("delete", "configmap", "cm-0", "-n", ns).assertSuccess();
        env.compactEtcd();
        // a fresh watch cache starts at the compacted revision: the old resourceVersion is gone
        env.restartApiServer();
        env.startNats();

        view.awaitResyncs(2);
        view.awaitEqual(env, ns, watcher);
        assertThat(watcher.resyncs()).as("one resync marker for the 410").isEqualTo(2);
        tally.survived(fault);
      }
    }
  }

  private static void seed(TestEnvironment env, String ns) {
    for (int i = 0; i < 10; i++) {
      env.kubectl("create", "configmap", "cm-" + i, "-n", ns, "--from-literal=n=0").assertSuccess();
    }
  }

  private static ResourceWatcher watch(PlatformClient platform, String ns, View view) {
    ObjectNode target =
        JSON.createObjectNode()
            .put("group", "")
            .put("version", "v1")
            .put("resource", "configmaps")
            .put("namespace", ns);
    return new ResourceWatcher(
            platform, target, view, Duration.ofMillis(200), Duration.ofSeconds(2))
        .start();
  }

  /** A consumer's view: the objects by name, and every resourceVersion each was seen at. */
  static final class View implements ResourceWatcher.Listener {
    final Map<String, String> versions = new ConcurrentHashMap<>();
    final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    final List<String> repeats = new ArrayList<>();
    final AtomicInteger resyncs = new AtomicInteger();
    final AtomicInteger events = new AtomicInteger();

    @Override
    public synchronized void resync(List<JsonNode> objects, String resourceVersion) {
      versions.clear();
      for (JsonNode object : objects) {
        versions.put(name(object), version(object));
      }
      resyncs.incrementAndGet();
    }

    @Override
    public synchronized void event(String type, JsonNode object) {
      events.incrementAndGet();
      long rv = Long.parseLong(version(object));
      Long before = lastSeen.put(name(object), rv);
      if (before != null && before >= rv) {
        repeats.add(type + " " + name(object) + " at " + rv + " after " + before);
      }
      if (type.equals("DELETED")) {
        versions.remove(name(object));
      } else {
        versions.put(name(object), version(object));
      }
    }

    void awaitResyncs(int count) throws InterruptedException {
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (resyncs.get() < count) {
        assertThat(System.nanoTime()).as("%d resync(s) within 60 s", count).isLessThan(until);
        Thread.sleep(100);
      }
    }

    void awaitEqual(TestEnvironment env, String ns, ResourceWatcher watcher)
        throws InterruptedException {
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      Map<String, String> server = Map.of();
      while (System.nanoTime() < until) {
        server = serverState(env, ns);
        synchronized (this) {
          if (server.equals(versions)) {
            TrustTally.ofThisBuild()
                .messagesLost(0, "watch events missing from the platform's view after outages");
            return;
          }
        }
        Thread.sleep(250);
      }
      synchronized (this) {
        // what the view missed or holds stale at the end: changes lost on the way
        Map<String, String> seen = versions;
        Map<String, String> truth = server;
        TrustTally.ofThisBuild()
            .messagesLost(
                truth.entrySet().stream()
                        .filter(e -> !e.getValue().equals(seen.get(e.getKey())))
                        .count()
                    + seen.keySet().stream().filter(name -> !truth.containsKey(name)).count(),
                "watch events missing from the platform's view after outages");
        assertThat(versions)
            .as(
                "the view ends equal to the server (watcher at %s, %d resyncs, %d reopens, last"
                    + " problem: %s)",
                watcher.resourceVersion(),
                watcher.resyncs(),
                watcher.reopens(),
                watcher.lastProblem())
            .isEqualTo(server);
      }
    }

    private static String name(JsonNode object) {
      return object.path("metadata").path("name").asString();
    }

    private static String version(JsonNode object) {
      return object.path("metadata").path("resourceVersion").asString();
    }
  }

  static Map<String, String> serverState(TestEnvironment env, String ns) {
    Map<String, String> state = new HashMap<>();
    JsonNode list =
        JSON.readTree(
            env.kubectl("get", "--raw", "/api/v1/namespaces/" + ns + "/configmaps")
                .assertSuccess()
                .stdout());
    list.path("items")
        .forEach(i ->
            state.put(
                i.path("metadata").path("name").asString(),
                i.path("metadata").path("resourceVersion").asString()));
    return state;
  }

  /** Changes the watched ConfigMaps all the time, riding out the API server's own restart. */
  static final class Writer implements AutoCloseable {
    final AtomicInteger writes = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();
    private final TestEnvironment env;
    private final String ns;
    private Thread thread;

    Writer(TestEnvironment env, String ns) {
      this.env = env;
      this.ns = ns;
    }

    void start() {
      running.set(true);
      thread =
          Thread.ofPlatform()
              .daemon()
              .start(() -> {
                for (int i = 1; running.get(); i++) {
                  String name = "cm-" + (i % 10);
                  if (env.kubectl(
                          "patch",
                          "configmap",
                          name,
                          "-n",
                          ns,
                          "--type=merge",
                          "-p",
                          "{\"data\":{\"n\":\"" + i + "\"}}")
                      .succeeded()) {
                    writes.incrementAndGet();
                  }
                  if (i % 7 == 0) {
                    env.kubectl("create", "configmap", "extra-" + i, "-n", ns);
                  }
                  if (i % 7 == 3 && i > 7) {
                    env.kubectl("delete", "configmap", "extra-" + (i - 3), "-n", ns);
                  }
                }
              });
    }

    /** Waits until {@code count} more writes went through. */
    void awaitWrites(int count) throws InterruptedException {
      int target = writes.get() + count;
      long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (writes.get() < target) {
        assertThat(System.nanoTime()).as("writes go on").isLessThan(until);
        Thread.sleep(50);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      if (thread != null) {
        thread.join(Duration.ofSeconds(30));
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
