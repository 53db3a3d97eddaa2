package io.clusteragent.core.kubernetes;

import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;

/**
 * The API client to use, looked up at each call: the agent must start (and report not ready) when
 * no cluster is reachable or its config is broken, so nothing is built up front. {@code
 * KubernetesClients::unaryClient} is one.
 */
@FunctionalInterface
public interface ApiClientSource {
  ApiClient get() throws IOException;
}
