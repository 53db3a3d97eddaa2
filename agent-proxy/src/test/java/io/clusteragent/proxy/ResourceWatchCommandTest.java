package io.clusteragent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.core.command.Actor;
import io.clusteragent.core.command.Cancellation;
import io.clusteragent.core.command.CloseReason;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.command.CommandRequest;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobBulkheads;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.objects.ObjectFilter;
import io.clusteragent.proxy.resources.ResourceAccess;
import io.clusteragent.proxy.resources.ResourceWatchCommand;
import io.clusteragent.proxy.resources.WatchForwarding;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.EventListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * resources.watch on ConfigMaps through the real API server, changed with kubectl while it runs.
 */
@WithTestEnvironment
class ResourceWatchCommandTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  static String ns;
  static KubernetesClients clients;

  final BlockingQueue<String> callEnds = new LinkedBlockingQueue<>();

  /** Response heads received: a watch is established once its head is in. */
  final BlockingQueue<String> heads = new LinkedBlockingQueue<>();

  ResourceWatchCommand watch;

  @BeforeAll
  static void namespace(TestEnvironment env) {
    ns = Workloads.uniqueNamespace(env, "watch");
    clients =
        new KubernetesClients(
            new CoreSettings.Kubernetes(false, 3, 64, 128), env.adminKubeconfig().toString());
  }

  @BeforeEach
  void handler() {
    watch = handler(true);
  }

  private ResourceWatchCommand handler(boolean enabled) {
    return handler(enabled, WatchForwarding.DEFAULTS, new SimpleMeterRegistry());
  }

  private ResourceWatchCommand handler(
      boolean enabled, WatchForwarding forwarding, SimpleMeterRegistry meters) {
    EventListener recorder =
        new EventListener() {
          @Override
          public void callEnd(Call call) {
            callEnds.add("end");
          }

          @Override
          public void responseHeadersEnd(Call call, okhttp3.Response response) {
            heads.add(call.request().url().encodedPath());
          }

          @Override
          public void callFailed(Call call, IOException ioe) {
            callEnds.add("failed");
          }

          @Override
          public void canceled(Call call) {
            callEnds.add("canceled");
          }
        };
    return new ResourceWatchCommand(
        new ApiServerGet(() -> {
          ApiClient client = clients.streamingClient();
          return client.setHttpClient(
              client.getHttpClient().newBuilder().eventListener(recorder).build());
        }),
        new ResourceAccess(false, new ObjectFilter(true, true)),
        enabled,
        forwarding,
        meters);
  }

  @Test
  void forwardsAddedModifiedAndDeletedAsTheyHappenAndStopsWhenThePlatformCloses(TestEnvironment env)
      throws Exception {
    EventSink sink = new EventSink(64);
    Future<CommandResult> running =
        StreamingRuns.runAsync(
            watch,
            StreamingRuns.context("watch", sink, Actor.AGENT, new Cancellation()),
            JSON.readTree(configMapWatch(null)));
    // let the watch be established, so the create is a live event (it would be ADDED in the initial
    // state too)
    Thread.sleep(500);

    env.kubectl("create", "configmap", "cm-crud", "-n", ns, "--from-literal=k=v1").assertSuccess();
    assertThat(sink.awaitEvent("cm-crud").path("type").asString()).isEqualTo("ADDED");
    assertThat(running.isDone()).as("still watching").isFalse();

    env.kubectl(
            "patch",
            "configmap",
            "cm-crud",
            "-n",
            ns,
            "--type=merge",
            "-p",
            "{\"data\":{\"k\":\"v2\"}}")
        .assertSuccess();
    JsonNode modified = sink.awaitEvent("cm-crud");
    assertThat(modified.path("type").asString()).isEqualTo("MODIFIED");
    assertThat(modified.path("object").path("data").path("k").asString()).isEqualTo("v2");
    assertThat(modified.path("object").path("kind").asString()).isEqualTo("ConfigMap");

    env.kubectl("delete", "configmap", "cm-crud", "-n", ns).assertSuccess();
    assertThat(sink.awaitEvent("cm-crud").path("type").asString()).isEqualTo("DELETED");
    assertThat(running.isDone()).as("still watching").isFalse();

    sink.close();
    env.kubectl("create", "configmap", "cm-unread", "-n", ns).assertSuccess();
    // the dispatcher turns this into the stream's close reason
    assertThatThrownBy(() -> running.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StreamClosedException.class);
    assertThat(callEnds.poll(10, TimeUnit.SECONDS)).as("HTTP call closed").isNotNull();
  }

  @Test
  void eventsArriveInOrderWithoutSelectorAndStartFromTheGivenResourceVersion(TestEnvironment env)
      throws Exception {
    String rv =
        JSON.readTree(
                env.kubectl("get", "--raw", "/api/v1/namespaces/" + ns + "/configmaps")
                    .assertSuccess()
                    .stdout())
            .path("metadata")
            .path("resourceVersion")
            .asString();
    assertThat(rv).isNotEmpty();
    env.kubectl("create", "configmap", "cm-rv", "-n", ns, "--from-literal=k=v1").assertSuccess();
    env.kubectl(
            "patch",
            "configmap",
            "cm-rv",
            "-n",
            ns,
            "--type=merge",
            "-p",
            "{\"data\":{\"k\":\"v2\"}}")
        .assertSuccess();
    env.kubectl("delete", "configmap", "cm-rv", "-n", ns).assertSuccess();

    // started after the changes: resourceVersion replays them, in order
    EventSink sink = new EventSink(64);
    Future<CommandResult> running =
        StreamingRuns.runAsync(
            watch,
            StreamingRuns.context("watch", sink, Actor.AGENT, new Cancellation()),
            JSON.readTree(
                configMapWatch("\"resourceVersion\":\"" + rv + "\",\"timeoutSeconds\":3")));
    assertThat(sink.awaitEvent("cm-rv").path("type").asString()).isEqualTo("ADDED");
    assertThat(sink.awaitEvent("cm-rv").path("type").asString()).isEqualTo("MODIFIED");
    assertThat(sink.awaitEvent("cm-rv").path("type").asString()).isEqualTo("DELETED");

    // the API server ends the watch after timeoutSeconds: a normal end with the counts
    CommandResult result = running.get(30, TimeUnit.SECONDS);
    JsonNode summary = ((CommandResult.Ok) result).body();
    assertThat(summary.path("bytes").asLong()).isEqualTo(sink.bytes());
    assertThat(summary.path("events").asLong()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void secretValuesAndManagedFieldsNeverLeaveInWatchEventsUnlessAskedFor(TestEnvironment env)
      throws Exception {
    String rv =
        JSON.readTree(
                env.kubectl("get", "--raw", "/api/v1/namespaces/" + ns + "/secrets")
                    .assertSuccess()
                    .stdout())
            .path("metadata")
            .path("resourceVersion")
            .asString();
    env.kubectl("create", "secret", "generic", "watched", "-n", ns, "--from-literal=pw=hunter2")
        .assertSuccess();
    String secretWatch =
        "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"secrets\",\"namespace\":\""
            + ns
            + "\",\"resourceVersion\":\""
            + rv
            + "\",\"timeoutSeconds\":2";
    EventSink redacted = new EventSink(64);
    StreamingRuns.runAsync(
        watch,
        StreamingRuns.context("watch", redacted, Actor.AGENT, new Cancellation()),
        JSON.readTree(secretWatch + "}"));
    JsonNode added = redacted.awaitEvent("watched").path("object");
    // "hunter2" in base64
    assertThat(added.path("data").path("pw").asString()).startsWith("sha256:");
    assertThat(added.toString()).doesNotContain("aHVudGVyMg");
    assertThat(added.path("metadata").has("managedFields")).isFalse();
    assertThat(added.path("metadata").path("name").asString()).isEqualTo("watched");

    EventSink shown = new EventSink(64);
    StreamingRuns.runAsync(
        watch,
        StreamingRuns.context("watch", shown, Actor.AGENT, new Cancellation()),
        JSON.readTree(secretWatch + ",\"secretValues\":true}"));
    assertThat(shown.awaitEvent("watched").path("object").path("data").path("pw").asString())
        .isEqualTo("aHVudGVyMg==");
  }

  @Test
  void typesOutsideTheCatalogNeedDynamicDiscovery() {
    assertFailure(
        watch,
        Actor.AGENT,
        "{\"group\":\"kwok.x-k8s.io\",\"version\":\"v1alpha1\",\"resource\":\"stages\"}",
        ErrorCode.BAD_REQUEST,
        "DYNAMIC_API_DISCOVERY_ENABLED=true");
  }

  @Test
  void cancellingTheCommandInterruptsAQuietWatchAndClosesTheCall() throws Exception {
    CommandDispatcher dispatcher =
        new CommandDispatcher(
            List.of(watch),
            new JobBulkheads(
                Map.of(
                    JobClass.READ,
                    2,
                    JobClass.WRITE,
                    2,
                    JobClass.PROXY_UNARY,
                    2,
                    JobClass.PROXY_STREAM,
                    2),
                new SimpleMeterRegistry()),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    EventSink sink = new EventSink(4);
    CompletableFuture<CommandResult> result =
        dispatcher.dispatch(
            new CommandRequest(
                "watch-cancel",
                "resources.watch",
                Instant.now().plusSeconds(120),
                Actor.AGENT,
                JSON.readTree(configMapWatch("\"labelSelector\":\"test=nothing\""))),
            sink,
            new Cancellation());

    // nothing matches: once its head is in, the handler is blocked reading the response
    assertThat(heads.poll(30, TimeUnit.SECONDS)).as("the watch established").isNotNull();
    Thread.sleep(200);
    assertThat(result.isDone()).isFalse();
    assertThat(dispatcher.cancel("watch-cancel", new CloseReason.Cancelled("user closed the tab")))
        .isTrue();

    assertThat(result.get(20, TimeUnit.SECONDS))
        .isEqualTo(
            new CommandResult.Failure(ErrorCode.CANCELLED, "cancelled: user closed the tab"));
    assertThat(callEnds.poll(10, TimeUnit.SECONDS)).as("HTTP call closed").isNotNull();
    dispatcher.drain(Duration.ofSeconds(1));
  }

  @Test
  void aUserWithoutRbacIsForbidden(TestEnvironment env) {
    assertFailure(
        watch,
        new Actor(env.nonAdminUser(), List.of("team-a")),
        configMapWatch(null),
        ErrorCode.FORBIDDEN,
        "cannot watch resource \"configmaps\"");
  }

  @Test
  void aDisabledWatchIsRefusedBeforeAnyRequest() {
    assertFailure(
        handler(false),
        Actor.AGENT,
        configMapWatch(null),
        ErrorCode.BAD_REQUEST,
        "watch is disabled on this agent (k8s_watch.enabled=false)");
    assertThat(callEnds).isEmpty();
  }

  @Test
  void badPayloadsAreRejected() {
    assertFailure(
        watch,
        Actor.AGENT,
        "{\"group\":\"\",\"resource\":\"configmaps\"}",
        ErrorCode.BAD_REQUEST,
        "version is required");
    assertFailure(
        watch,
        Actor.AGENT,
        configMapWatch("\"resourceVersion\":\"1&watch=0\""),
        ErrorCode.BAD_REQUEST,
        "not a valid resourceVersion");
    assertFailure(
        watch,
        Actor.AGENT,
        configMapWatch("\"limit\":1"),
        ErrorCode.BAD_REQUEST,
        "unknown payload field(s) [limit]");
    assertFailure(
        watch,
        Actor.AGENT,
        configMapWatch("\"labelSelector\":\"a in (\""),
        ErrorCode.BAD_REQUEST,
        "API server answered 400");
  }

  @Test
  void eventsThatArriveTogetherLeaveInBatchesOfAtMostTheBatchSize(TestEnvironment env)
      throws Exception {
    String batchNs = Workloads.uniqueNamespace(env, "batch");
    for (int i = 0; i < 10; i++) {
      env.kubectl("create", "configmap", "b-" + i, "-n", batchNs).assertSuccess();
    }
    WatchForwarding threeAtATime =
        new WatchForwarding(
            3,
            Duration.ofSeconds(5),
            500,
            Duration.ofSeconds(300),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    QueueSink frames = new QueueSink(64);
    Future<CommandResult> running =
        StreamingRuns.runAsync(
            handler(true, threeAtATime, new SimpleMeterRegistry()),
            StreamingRuns.context("watch", frames, Actor.AGENT, new Cancellation()),
            JSON.readTree(
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"configmaps\",\"namespace\":\""
                    + batchNs
                    + "\",\"timeoutSeconds\":3}"));
    int events = 0;
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (events < 11) {
      String frame = frames.next(until);
      assertThat(frame).as("the initial ADDED events").isNotNull();
      long lines = frame.chars().filter(c -> c == '\n').count();
      assertThat(lines).as("events in one frame").isBetween(1L, 3L);
      assertThat(frame).endsWith("\n");
      events += (int) lines;
    }
    assertThat(running.get(30, TimeUnit.SECONDS)).isInstanceOf(CommandResult.Ok.class);
  }

  @Test
  void beyondTheEventRateThePlatformIsToldToRelist(TestEnvironment env) throws Exception {
    String floodNs = Workloads.uniqueNamespace(env, "flood");
    for (int i = 0; i < 12; i++) {
      env.kubectl("create", "configmap", "f-" + i, "-n", floodNs).assertSuccess();
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    WatchForwarding fivePerSecond =
        new WatchForwarding(
            20,
            Duration.ofMillis(500),
            5,
            Duration.ofSeconds(300),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    EventSink sink = new EventSink(64);
    CommandResult result =
        handler(true, fivePerSecond, meters)
            .handle(
                StreamingRuns.context("watch", sink, Actor.AGENT, new Cancellation()),
                JSON.readTree(
                    "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"configmaps\",\"namespace\":\""
                        + floodNs
                        + "\"}"));
    assertThat(result).isInstanceOf(CommandResult.Ok.class);
    List<JsonNode> events = sink.all();
    assertThat(events.subList(0, events.size() - 1))
        .hasSize(5)
        .allSatisfy(e -> assertThat(e.path("type").asString()).isEqualTo("ADDED"));
    JsonNode marker = events.getLast();
    assertThat(marker.path("type").asString()).isEqualTo("ERROR");
    assertThat(marker.path("object").path("code").asInt()).isEqualTo(410);
    assertThat(marker.path("object").path("message").asString())
        .contains("k8s_watch.max_events_per_sec")
        .endsWith("relist");
    assertThat(meters.get("ankra.agent.watch.events.rate.limited").counter().count()).isOne();
  }

  @Test
  void theAgentReopensTheApiServersWatchFromWhereItStoodSoThePlatformSeesOneStream(
      TestEnvironment env) throws Exception {
    String longNs = Workloads.uniqueNamespace(env, "long");
    env.kubectl("create", "configmap", "before", "-n", longNs).assertSuccess();
    WatchForwarding oneSecondConnections =
        new WatchForwarding(
            20,
            Duration.ofMillis(500),
            500,
            Duration.ofSeconds(1),
            Duration.ofMillis(100),
            Duration.ofSeconds(1));
    EventSink sink = new EventSink(64);
    Cancellation cancellation = new Cancellation();
    Future<CommandResult> running =
        StreamingRuns.runAsync(
            handler(true, oneSecondConnections, new SimpleMeterRegistry()),
            StreamingRuns.context("watch", sink, Actor.AGENT, cancellation),
            JSON.readTree(
                "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"configmaps\",\"namespace\":\""
                    + longNs
                    + "\"}"));
    assertThat(sink.awaitEvent("before").path("type").asString()).isEqualTo("ADDED");
    // several API server watch connections come and go meanwhile
    Thread.sleep(3500);
    env.kubectl("create", "configmap", "after", "-n", longNs).assertSuccess();
    assertThat(sink.awaitEvent("after").path("type").asString()).isEqualTo("ADDED");
    assertThat(running.isDone()).as("one stream for the platform").isFalse();
    // re-opened from the last resourceVersion: "before" is announced once, not per connection
    sink.all();
    assertThat(sink.seen)
        .filteredOn(e -> e.path("object").path("metadata").path("name").asString().equals("before"))
        .hasSize(1);
    cancellation.cancel(new CloseReason.Cancelled("done"));
    // the dispatcher turns this into the stream's CANCELLED error
    assertThatThrownBy(() -> running.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(InterruptedException.class);
  }

  private static String configMapWatch(String extra) {
    return "{\"group\":\"\",\"version\":\"v1\",\"resource\":\"configmaps\",\"namespace\":\""
        + ns
        + "\""
        + (extra == null ? "" : "," + extra)
        + "}";
  }

  private static void assertFailure(
      ResourceWatchCommand handler,
      Actor actor,
      String payload,
      ErrorCode code,
      String messagePart) {
    assertThatThrownBy(() ->
            handler.handle(
                StreamingRuns.context("watch", new EventSink(4), actor, new Cancellation()),
                JSON.readTree(payload)))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> {
              assertThat(e.code()).as(payload).isEqualTo(code);
              assertThat(e.getMessage()).as(payload).contains(messagePart);
            });
  }

  /** Splits a watch stream into its events (one JSON object per line). */
  static final class EventSink extends QueueSink {
    private final StringBuilder pending = new StringBuilder();

    /** Every event {@link #awaitEvent} went through, skipped ones included. */
    final List<JsonNode> seen = new java.util.ArrayList<>();

    /** Every whole event received and not consumed yet, without waiting. */
    List<JsonNode> all() {
      pending.append(drain());
      List<JsonNode> events = new java.util.ArrayList<>();
      int newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        events.add(JSON.readTree(pending.substring(0, newline)));
        pending.delete(0, newline + 1);
      }
      return events;
    }

    EventSink(int capacity) {
      super(capacity);
    }

    /**
     * The next watch event (one JSON line) about the named object; bookmarks and others are
     * skipped.
     */
    JsonNode awaitEvent(String name) throws InterruptedException {
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        int newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
          String line = pending.substring(0, newline);
          pending.delete(0, newline + 1);
          JsonNode event = JSON.readTree(line);
          seen.add(event);
          if (name.equals(event.path("object").path("metadata").path("name").asString())) {
            return event;
          }
        }
        String chunk = next(until);
        if (chunk == null) {
          throw new AssertionError("no event for " + name + " within 30 s; pending: " + pending);
        }
        pending.append(chunk);
      }
    }
  }
}
