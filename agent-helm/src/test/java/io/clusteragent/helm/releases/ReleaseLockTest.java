package io.clusteragent.helm.releases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The release lock against the real API server: in-process first, then the release's Lease. */
@WithTestEnvironment
class ReleaseLockTest {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Duration SHORT = Duration.ofSeconds(3);

  private TestEnvironment env;
  private CoordinationV1Api leasesApi;
  private String stateNamespace;

  @BeforeEach
  void namespace(TestEnvironment env) {
    this.env = env;
    this.leasesApi = new CoordinationV1Api(env.adminApiClient());
    stateNamespace =
        "lease-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
    env.kubectl("create", "namespace", stateNamespace).assertSuccess();
  }

  @Test
  void secondWriterOnTheSameReleaseIsRefusedAtOnceOthersAreNot() throws Exception {
    ReleaseLock locks = lock("replica-a", ReleaseLeases.DEFAULT_DURATION);
    try (ReleaseLock.Held first = locks.acquire("ns", "web")) {
      assertThat(locks.isHeld("ns", "web")).isTrue();
      assertThat(codeOf(() -> locks.acquire("ns", "web"))).isEqualTo(ErrorCode.CONFLICT);
      locks.acquire("ns", "api").close();
      locks.acquire("other", "web").close();
    }
    assertThat(locks.isHeld("ns", "web")).isFalse();
    locks.acquire("ns", "web").close();
  }

  @Test
  void aReleaseHeldByAnotherReplicaIsAConflictNamingThatReplica() throws Exception {
    ReleaseLock a = lock("replica-a", ReleaseLeases.DEFAULT_DURATION);
    ReleaseLock b = lock("replica-b", ReleaseLeases.DEFAULT_DURATION);
    try (ReleaseLock.Held held = a.acquire("shop", "web")) {
      V1Lease lease = read("shop", "web");
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-a");
      assertThat(lease.getMetadata().getLabels())
          .containsEntry(ReleaseLeases.NAMESPACE_LABEL, "shop")
          .containsEntry(ReleaseLeases.RELEASE_LABEL, "web");
      assertThat(lease.getMetadata().getAnnotations())
          .containsEntry(ReleaseLeases.RELEASE_ANNOTATION, "shop/web");

      assertThatThrownBy(() -> b.acquire("shop", "web"))
          .isInstanceOf(CommandException.class)
          .hasMessage(
              "release shop/web is being changed by agent replica-a; retry when it has finished")
          .extracting(e -> ((CommandException) e).code())
          .isEqualTo(ErrorCode.CONFLICT);
      // the refusal left b's in-process claim free: it can lock other releases
      assertThat(b.isHeld("shop", "web")).isFalse();
      b.acquire("shop", "api").close();
    }
  }

  @Test
  void aReleasedLeaseIsGoneAndTheNextReplicaGetsIt() throws Exception {
    ReleaseLock a = lock("replica-a", ReleaseLeases.DEFAULT_DURATION);
    ReleaseLock b = lock("replica-b", ReleaseLeases.DEFAULT_DURATION);
    a.acquire("shop", "web").close();

    assertThatThrownBy(() -> read("shop", "web"))
        .isInstanceOf(ApiException.class)
        .extracting(e -> ((ApiException) e).getCode())
        .isEqualTo(404);
    try (ReleaseLock.Held held = b.acquire("shop", "web")) {
      assertThat(read("shop", "web").getSpec().getHolderIdentity()).isEqualTo("replica-b");
    }
  }

  @Test
  void anExpiredLeaseOfACrashedReplicaIsTakenOver() throws Exception {
    // what a replica that died mid-write leaves: a Lease nobody renews, last renewed long ago
    OffsetDateTime longAgo =
        OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5).truncatedTo(ChronoUnit.MICROS);
    leasesApi
        .createNamespacedLease(
            stateNamespace,
            new V1Lease()
                .metadata(
                    new V1ObjectMeta()
                        .name(ReleaseLeases.leaseName("shop", "web"))
                        .namespace(stateNamespace))
                .spec(
                    new V1LeaseSpec()
                        .holderIdentity("crashed-replica")
                        .leaseDurationSeconds(30)
                        .acquireTime(longAgo)
                        .renewTime(longAgo)
                        .leaseTransitions(0)))
        .execute();

    ReleaseLock b = lock("replica-b", ReleaseLeases.DEFAULT_DURATION);
    try (ReleaseLock.Held held = b.acquire("shop", "web")) {
      V1LeaseSpec spec = read("shop", "web").getSpec();
      assertThat(spec.getHolderIdentity()).isEqualTo("replica-b");
      assertThat(spec.getLeaseTransitions()).isEqualTo(1);
      assertThat(spec.getRenewTime()).isAfter(longAgo.plusMinutes(4));
    }
  }

  @Test
  void renewalKeepsTheLeaseAlivePastItsDuration() throws Exception {
    ReleaseLock a = lock("replica-a", SHORT);
    ReleaseLock b = lock("replica-b", SHORT);
    try (ReleaseLock.Held held = a.acquire("shop", "web")) {
      OffsetDateTime first = read("shop", "web").getSpec().getRenewTime();
      Thread.sleep(SHORT.multipliedBy(2).toMillis());

      V1LeaseSpec spec = read("shop", "web").getSpec();
      assertThat(spec.getHolderIdentity()).isEqualTo("replica-a");
      assertThat(spec.getRenewTime()).isAfter(first);
      assertThat(codeOf(() -> b.acquire("shop", "web"))).isEqualTo(ErrorCode.CONFLICT);
    }
    b.acquire("shop", "web").close();
  }

  @Test
  void withoutTheStateNamespaceTheLockIsUnavailableNotGranted() {
    ReleaseLock locks =
        new ReleaseLock(
            new ReleaseLeases(
                env::adminApiClient,
                "no-such-namespace-" + SEQUENCE.incrementAndGet(),
                "replica-a",
                ReleaseLeases.DEFAULT_DURATION,
                Clock.systemUTC()));
    assertThatThrownBy(() -> locks.acquire("shop", "web"))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("cannot lock release shop/web")
        .hasMessageContaining("does namespace no-such-namespace-")
        .extracting(e -> ((CommandException) e).code())
        .isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    assertThat(locks.isHeld("shop", "web")).isFalse();
  }

  @Test
  void leaseNamesFitAndDifferPerRelease() {
    String name = ReleaseLeases.leaseName("a".repeat(63), "b".repeat(53));
    assertThat(name).matches("helm-release-[0-9a-f]{16}");
    assertThat(ReleaseLeases.leaseName("ns", "web"))
        .isNotEqualTo(ReleaseLeases.leaseName("ns", "api"));
    assertThat(ReleaseLeases.leaseName("a", "b-c"))
        .isNotEqualTo(ReleaseLeases.leaseName("a-b", "c"));
  }

  private ReleaseLock lock(String holder, Duration duration) {
    return new ReleaseLock(
        new ReleaseLeases(
            env::adminApiClient, stateNamespace, holder, duration, Clock.systemUTC()));
  }

  private V1Lease read(String namespace, String release) throws ApiException {
    return leasesApi
        .readNamespacedLease(ReleaseLeases.leaseName(namespace, release), stateNamespace)
        .execute();
  }

  private interface Acquisition {
    ReleaseLock.Held acquire() throws CommandException;
  }

  private static ErrorCode codeOf(Acquisition acquisition) {
    try {
      acquisition.acquire().close();
      throw new AssertionError("expected the lock to be refused");
    } catch (CommandException e) {
      return e.code();
    }
  }
}
