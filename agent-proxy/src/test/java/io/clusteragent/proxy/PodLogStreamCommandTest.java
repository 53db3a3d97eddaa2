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
import io.clusteragent.core.kubernetes.KubernetesClients;
import io.clusteragent.core.settings.CoreSettings;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.logs.PodLogStreamCommand;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
import tools.jackson.databind.node.ObjectNode;

/** logs.stream against kwok-served pod logs through the real API server. */
@WithTestEnvironment
class PodLogStreamCommandTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  static String ns;
  static List<String> pods;
  static KubernetesClients clients;

  /**
   * Ends of HTTP calls (completed, failed or cancelled), to prove the handler closed its request.
   */
  final BlockingQueue<String> callEnds = new LinkedBlockingQueue<>();

  PodLogStreamCommand logs;

  @BeforeAll
  static void deploy(TestEnvironment env) throws Exception {
    ns = Workloads.uniqueNamespace(env, "logs");
    pods = Workloads.deployAndAwaitPodNames(env, ns, "talker", 5);
    clients =
        new KubernetesClients(
            new CoreSettings.Kubernetes(false, 3, 64, 128), env.adminKubeconfig().toString());
  }

  @BeforeEach
  void handler() {
    EventListener recorder =
        new EventListener() {
          @Override
          public void callEnd(Call call) {
            callEnds.add("end");
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
    logs =
        new PodLogStreamCommand(
            new ApiServerGet(() -> {
              ApiClient client = clients.streamingClient();
              return client.setHttpClient(
                  client.getHttpClient().newBuilder().eventListener(recorder).build());
            }));
  }

  @Test
  void followStreamsLinesAsTheyAreAppendedAndStopsWhenThePlatformCloses(TestEnvironment env)
      throws Exception {
    String pod = pods.get(0);
    Path logFile = env.appendPodLog(ns, pod, "first line");
    RecordingSink sink = new RecordingSink(4);
    Future<CommandResult> running =
        StreamingRuns.runAsync(
            logs,
            StreamingRuns.context("logs", sink, Actor.AGENT, new Cancellation()),
            JSON.readTree("{\"namespace\":\"" + ns + "\",\"pod\":\"" + pod + "\"}"));

    sink.awaitText("first line\n");
    for (int i = 1; i <= 3; i++) {
      TestEnvironment.appendLog(logFile, "appended line " + i);
      sink.awaitText("appended line " + i + "\n");
      assertThat(running.isDone()).as("still following").isFalse();
    }

    sink.close();
    TestEnvironment.appendLog(logFile, "line nobody reads");
    CommandResult result = running.get(20, TimeUnit.SECONDS);
    assertThat(result).isInstanceOf(CommandResult.Ok.class);
    assertThat(callEnds.poll(10, TimeUnit.SECONDS)).as("HTTP call closed").isNotNull();
  }

  @Test
  void withoutFollowTheStreamEndsWithTheLogAndCountsBytes(TestEnvironment env) throws Exception {
    String pod = pods.get(1);
    env.appendPodLog(ns, pod, "one", "two", "three");
    RecordingSink sink = new RecordingSink(16);

    CommandResult result =
        logs.handle(
            StreamingRuns.context("logs", sink, Actor.AGENT, new Cancellation()),
            JSON.readTree(
                "{\"namespace\":\""
                    + ns
                    + "\",\"pod\":\""
                    + pod
                    + "\",\"follow\":false,\"tailLines\":2}"));

    assertThat(sink.text()).isEqualTo("two\nthree\n");
    assertThat(((CommandResult.Ok) result).body().path("bytes").asLong())
        .isEqualTo("two\nthree\n".length());
    assertThat(((CommandResult.Ok) result).body().path("reason").asString())
        .isEqualTo("end of log");
  }

  @Test
  void cancellingTheCommandInterruptsAQuietFollowAndClosesTheCall(TestEnvironment env)
      throws Exception {
    String pod = pods.get(2);
    env.appendPodLog(ns, pod, "before cancel");
    CommandDispatcher dispatcher =
        new CommandDispatcher(
            List.of(logs),
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
    RecordingSink sink = new RecordingSink(4);
    CompletableFuture<CommandResult> result =
        dispatcher.dispatch(
            new CommandRequest(
                "logs-cancel",
                "logs.stream",
                Instant.now().plusSeconds(120),
                Actor.AGENT,
                JSON.readTree("{\"namespace\":\"" + ns + "\",\"pod\":\"" + pod + "\"}")),
            sink,
            new Cancellation());
    sink.awaitText("before cancel\n");

    // the log is quiet now: the handler is blocked reading the API server's response
    Thread.sleep(300);
    assertThat(dispatcher.cancel("logs-cancel", new CloseReason.Cancelled("user closed the tab")))
        .isTrue();

    assertThat(result.get(20, TimeUnit.SECONDS))
        .isEqualTo(
            new CommandResult.Failure(ErrorCode.CANCELLED, "cancelled: user closed the tab"));
    assertThat(callEnds.poll(10, TimeUnit.SECONDS)).as("HTTP call closed").isNotNull();
    dispatcher.drain(Duration.ofSeconds(1));
  }

  @Test
  void errorsAreMappedFromTheApiServer(TestEnvironment env) {
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\"" + ns + "\",\"pod\":\"no-such-pod\"}",
        ErrorCode.NOT_FOUND,
        "not found");
    assertFailure(
        new Actor(env.nonAdminUser(), List.of()),
        "{\"namespace\":\"" + ns + "\",\"pod\":\"" + pods.get(3) + "\"}",
        ErrorCode.FORBIDDEN,
        "cannot get resource \"pods/log\"");
    assertFailure(
        Actor.AGENT, "{\"namespace\":\"" + ns + "\"}", ErrorCode.BAD_REQUEST, "pod is required");
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\"" + ns + "\",\"pod\":\"../x\"}",
        ErrorCode.BAD_REQUEST,
        "not a valid pod name");
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\"" + ns + "\",\"pod\":\"p\",\"follow\":\"yes\"}",
        ErrorCode.BAD_REQUEST,
        "follow must be true or false");
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\"" + ns + "\",\"pod\":\"p\",\"sinceTime\":\"yesterday\"}",
        ErrorCode.BAD_REQUEST,
        "sinceTime must be an RFC 3339 time");
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\""
            + ns
            + "\",\"pod\":\"p\",\"sinceTime\":\"2026-01-01T00:00:00Z\",\"sinceSeconds\":5}",
        ErrorCode.BAD_REQUEST,
        "exclude each other");
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\"" + ns + "\",\"pod\":\"p\",\"limitBytes\":0}",
        ErrorCode.BAD_REQUEST,
        "limitBytes must be an integer >= 1");
  }

  private void assertFailure(Actor actor, String payload, ErrorCode code, String messagePart) {
    assertThatThrownBy(() ->
            logs.handle(
                StreamingRuns.context("logs", new RecordingSink(4), actor, new Cancellation()),
                JSON.readTree(payload)))
        .isInstanceOfSatisfying(
            CommandException.class,
            e -> {
              assertThat(e.code()).as(payload).isEqualTo(code);
              assertThat(e.getMessage()).as(payload).contains(messagePart);
            });
  }

  @Test
  void limitBytesSinceTimeAndPreviousReachTheApiServer(TestEnvironment env) throws Exception {
    String pod = pods.get(3);
    Path logFile = env.appendPodLog(ns, pod, "alpha", "beta");
    JsonNode limited = run(pod, ",\"limitBytes\":8");
    assertThat(limited.path("text").asString()).isEqualTo("alpha\nbe");
    assertThat(limited.path("summary").path("reason").asString()).isEqualTo("limit reached");

    // CRI timestamps have nanoseconds, the API server's sinceTime seconds: leave a whole second
    Thread.sleep(1500);
    Instant since = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Thread.sleep(100);
    TestEnvironment.appendLog(logFile, "gamma");
    JsonNode recent = run(pod, ",\"follow\":false,\"sinceTime\":\"" + since + "\"");
    assertThat(recent.path("text").asString()).isEqualTo("gamma\n");
    assertThat(recent.path("summary").path("reason").asString()).isEqualTo("end of log");

    TestEnvironment.appendLog(env.previousPodLogFile(ns, pod), "from the last run");
    JsonNode previous = run(pod, ",\"follow\":false,\"previous\":true");
    assertThat(previous.path("text").asString()).isEqualTo("from the last run\n");
  }

  @Test
  void aFollowedLogEndsWhenItsPodIsDeletedAndSaysSo(TestEnvironment env) throws Exception {
    String pod = pods.get(4);
    env.appendPodLog(ns, pod, "last words");
    RecordingSink sink = new RecordingSink(4);
    Future<CommandResult> running =
        StreamingRuns.runAsync(
            logs,
            StreamingRuns.context("logs", sink, Actor.AGENT, new Cancellation()),
            JSON.readTree("{\"namespace\":\"" + ns + "\",\"pod\":\"" + pod + "\"}"));
    sink.awaitText("last words\n");
    env.kubectl("delete", "pod", pod, "-n", ns, "--wait=false").assertSuccess();
    CommandResult result = running.get(60, TimeUnit.SECONDS);
    assertThat(((CommandResult.Ok) result).body().path("reason").asString())
        .isEqualTo("pod deleted");
  }

  @Test
  void allContainersComeInOneStreamEachLinePrefixedWithItsContainer(TestEnvironment env)
      throws Exception {
    String pod = "two-containers";
    env.kubectl(
            "run",
            pod,
            "-n",
            ns,
            "--image=busybox",
            "--overrides",
            "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"busybox\"},"
                + "{\"name\":\"sidecar\",\"image\":\"busybox\"}]}}")
        .assertSuccess();
    env.kubectl("wait", "--for=condition=Ready", "pod/" + pod, "-n", ns, "--timeout=60s")
        .assertSuccess();
    // kwok serves one file for every container of the pod
    env.appendPodLog(ns, pod, "hello", "world");
    JsonNode all = run(pod, ",\"follow\":false,\"allContainers\":true");
    assertThat(all.path("text").asString().lines().toList())
        .containsExactlyInAnyOrder(
            "[app] hello", "[app] world", "[sidecar] hello", "[sidecar] world");
    assertThat(all.path("text").asString()).containsSubsequence("[app] hello", "[app] world");
    assertFailure(
        Actor.AGENT,
        "{\"namespace\":\""
            + ns
            + "\",\"pod\":\""
            + pod
            + "\",\"container\":\"app\",\"allContainers\":true}",
        ErrorCode.BAD_REQUEST,
        "exclude each other");
  }

  /** Runs logs.stream to its end; returns {"text", "summary"}. */
  private JsonNode run(String pod, String extra) throws Exception {
    RecordingSink sink = new RecordingSink(64);
    CommandResult result =
        logs.handle(
            StreamingRuns.context("logs", sink, Actor.AGENT, new Cancellation()),
            JSON.readTree("{\"namespace\":\"" + ns + "\",\"pod\":\"" + pod + "\"" + extra + "}"));
    ObjectNode out = JSON.createObjectNode().put("text", sink.text());
    out.set("summary", ((CommandResult.Ok) result).body());
    return out;
  }

  /** Collects a log stream's text. */
  static final class RecordingSink extends QueueSink {
    private final StringBuilder received = new StringBuilder();

    RecordingSink(int capacity) {
      super(capacity);
    }

    /** Consumes chunks until the text received so far ends with {@code expected}. */
    void awaitText(String expected) throws InterruptedException {
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!received.toString().endsWith(expected)) {
        String chunk = next(until);
        if (chunk == null) {
          throw new AssertionError(
              "no '" + expected.strip() + "' within 30 s; received so far: " + received);
        }
        received.append(chunk);
      }
    }

    String text() {
      received.append(drain());
      return received.toString();
    }
  }
}
