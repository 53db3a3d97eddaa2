package io.clusteragent.testsupport;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where the test environment's servers run, chosen with {@code -Dtestenv.backend}: local processes
 * built from pinned Go modules (the default, and what CI runs), or container images through
 * Testcontainers on a machine with a container engine.
 */
public enum TestEnvironmentBackend {
  /** {@code bin/testenv up}: etcd, kube-apiserver, kwok, nats-server, registry as processes. */
  PROCESSES,
  /**
   * {@link ContainerEnvironment}: a k3s container for the cluster and a nats container; helm and
   * kubectl still come from {@code bin/testenv build}. kwok's pod logs and exec, the OCI registry,
   * etcd compaction and server restarts exist only with {@link #PROCESSES}.
   */
  CONTAINERS;

  public static final String PROPERTY = "testenv.backend";

  /** The backend named by {@code value}; blank means the default, {@link #PROCESSES}. */
  public static TestEnvironmentBackend named(String value) {
    if (value == null || value.isBlank()) {
      return PROCESSES;
    }
    try {
      return valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "-D"
              + PROPERTY
              + "="
              + value
              + " names no test environment backend; use one of "
              + Arrays.stream(values())
                  .map(b -> b.name().toLowerCase(Locale.ROOT))
                  .collect(Collectors.joining(", ")),
          e);
    }
  }

  /** The backend this JVM was asked for. */
  public static TestEnvironmentBackend selected() {
    return named(System.getProperty(PROPERTY));
  }
}
