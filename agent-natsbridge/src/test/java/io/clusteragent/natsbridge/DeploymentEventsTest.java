package io.clusteragent.natsbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.clusteragent.testsupport.Workloads;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent's own life shows in {@code kubectl describe deployment}: Events on the Deployment that
 * owns the agent's pod (found through its ReplicaSet, as the chart's pods are), recorded by the
 * real bridge against the real API server and nats-server.
 */
@WithTestEnvironment
class DeploymentEventsTest {

  private static final String TOKEN = "events-tok-51af";

  @Test
  void connectedDisconnectedAndReconnectedAreEventsOnTheAgentsDeployment(TestEnvironment env)
      throws Exception {
    String ns = Workloads.uniqueNamespace(env, "agent-events");
    String pod = Workloads.deployAndAwaitPodNames(env, ns, "ankra-agent", 1).get(0);
    String deploymentUid =
        new AppsV1Api(env.adminApiClient())
            .readNamespacedDeployment("ankra-agent", ns)
            .execute()
            .getMetadata()
            .getUid();

    try (RunningAgent agent =
        RunningAgent.start(
            env.natsUrl(),
            "events",
            Map.of(
                "KUBECONFIG", env.adminKubeconfig().toString(),
                "POD_NAME", pod,
                "POD_NAMESPACE", ns))) {
      awaitEvents(env, ns, "Connected", 1);
      env.stopNats();
      try {
        awaitEvents(env, ns, "Disconnected", 1);
      } finally {
        env.startNats();
      }
      List<CoreV1Event> connected = awaitEvents(env, ns, "Connected", 2);

      assertThat(connected)
          .extracting(CoreV1Event::getMessage)
          .anyMatch(m -> m.startsWith("connected to NATS at nats://127.0.0.1:"))
          .anyMatch(m -> m.startsWith("reconnected to NATS at nats://127.0.0.1:"));
      CoreV1Event first = connected.get(0);
      assertThat(first.getInvolvedObject().getKind()).isEqualTo("Deployment");
      assertThat(first.getInvolvedObject().getName()).isEqualTo("ankra-agent");
      assertThat(first.getInvolvedObject().getUid())
          .as("kubectl describe matches Events on the uid")
          .isEqualTo(deploymentUid);
      assertThat(first.getType()).isEqualTo("Normal");
      assertThat(first.getReportingComponent()).isEqualTo("ankra-agent");
      assertThat(first.getReportingInstance()).isEqualTo(pod);
      assertThat(events(env, ns, "Disconnected").get(0).getType()).isEqualTo("Warning");
      assertThat(agent.counter("agent.events", "reason", "Connected", "outcome", "recorded"))
          .isGreaterThanOrEqualTo(2);

      String described = env.kubectl("describe", "deployment", "ankra-agent", "-n", ns).stdout();
      assertThat(described).contains("Connected").contains("Disconnected");
    }
  }

  @Test
  void aRefusedTokenIsAWarningEventThatNeverHoldsTheToken(TestEnvironment env) throws Exception {
    String ns = Workloads.uniqueNamespace(env, "agent-refused");
    String pod = Workloads.deployAndAwaitPodNames(env, ns, "ankra-agent", 1).get(0);
    try (PlatformApiStandIn platformApi =
            new PlatformApiStandIn(call -> new PlatformApiStandIn.Answer(401, "{}"));
        RunningAgent agent =
            RunningAgent.startWithoutWaiting(
                null,
                null,
                Map.of(
                    "agent.ankra-url",
                    platformApi.url(),
                    "agent.allow-insecure-ankra-url",
                    "true",
                    "agent.token",
                    TOKEN,
                    "agent.nats.checkin-min-backoff",
                    "100ms",
                    "agent.nats.checkin-max-backoff",
                    "200ms",
                    "KUBECONFIG",
                    env.adminKubeconfig().toString(),
                    "POD_NAME",
                    pod,
                    "POD_NAMESPACE",
                    ns))) {
      CoreV1Event refused = awaitEvents(env, ns, "TokenRefused", 1).get(0);
      assertThat(refused.getType()).isEqualTo("Warning");
      assertThat(refused.getMessage()).contains("HTTP 401").doesNotContain(TOKEN);
      // retried check-ins keep failing, but the operator is told once per rejection streak
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (platformApi.calls() < 5 && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(platformApi.calls()).isGreaterThanOrEqualTo(3);
      assertThat(events(env, ns, "TokenRefused")).hasSize(1);
    }
  }

  private static List<CoreV1Event> awaitEvents(
      TestEnvironment env, String ns, String reason, int count) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<CoreV1Event> found = events(env, ns, reason);
    while (found.size() < count && System.nanoTime() < until) {
      Thread.sleep(100);
      found = events(env, ns, reason);
    }
    assertThat(found).as("Events %s in %s", reason, ns).hasSizeGreaterThanOrEqualTo(count);
    return found;
  }

  private static List<CoreV1Event> events(TestEnvironment env, String ns, String reason)
      throws Exception {
    return new CoreV1Api(env.adminApiClient())
        .listNamespacedEvent(ns).fieldSelector("reason=" + reason).execute().getItems().stream()
            .sorted((a, b) ->
                a.getMetadata()
                    .getCreationTimestamp()
                    .compareTo(b.getMetadata().getCreationTimestamp()))
            .toList();
  }
}
