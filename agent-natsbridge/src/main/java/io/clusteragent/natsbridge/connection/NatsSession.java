package io.clusteragent.natsbridge.connection;

import io.clusteragent.core.events.AgentEvent;
import io.clusteragent.core.events.DeploymentEvents;
import io.clusteragent.protocol.Redaction;
import io.clusteragent.protocol.Subjects;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Statistics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one NATS connection: connects (retrying the first connect too), reconnects forever
 * with jittered backoff, proves the path with an application-level round trip, and reports all of
 * it as metrics and readiness.
 */
public final class NatsSession implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NatsSession.class);

  /** Told when the connection drops and comes back, so streams can end honestly. */
  public interface Listener {
    void disconnected();

    void reconnected();
  }

  private final NatsSettings settings;
  private final String instanceId;
  private final MeterRegistry meters;
  private final DeploymentEvents events;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<Connection> connection = new AtomicReference<>();
  private final AtomicInteger pingMisses = new AtomicInteger();
  private final AtomicLong disconnectedSinceNanos = new AtomicLong(System.nanoTime());
  private final Counter reconnects;
  private final Counter disconnects;
  private final Counter disconnectedSeconds;
  private volatile Subjects subjects;
  private volatile String pingSubject;
  private volatile String lastProblem = "not connected yet";

  public NatsSession(
      NatsSettings settings, String instanceId, DeploymentEvents events, MeterRegistry meters) {
    this.settings = settings;
    this.events = events;
    this.instanceId = instanceId;
    this.meters = meters;
    this.reconnects = meters.counter("agent.nats.reconnects");
    this.disconnects = meters.counter("agent.nats.disconnects");
    this.disconnectedSeconds = meters.counter("agent.nats.disconnected.seconds");
    Gauge.builder("agent.nats.connected", this, s -> s.isConnected() ? 1 : 0).register(meters);
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  /** Connects; blocks until the first connection is up or the thread is interrupted. */
  public Connection connect(NatsEndpoint endpoint) throws IOException, InterruptedException {
    // First, so a bad cluster id or prefix (e.g. from check-in) fails before anything is opened.
    Subjects endpointSubjects = new Subjects(endpoint.subjectPrefix(), endpoint.clusterId());
    Options.Builder options =
        Options.builder()
            .servers(endpoint.servers().stream().map(Object::toString).toArray(String[]::new))
            .connectionName("cluster-agent " + endpoint.clusterId() + " " + instanceId)
            .maxReconnects(-1)
            .reconnectDelayHandler(
                new ReconnectBackoff(settings.reconnectMinDelay(), settings.reconnectMaxDelay()))
            .reconnectBufferSize(settings.reconnectBufferSize().toBytes())
            .connectionTimeout(Duration.ofSeconds(5))
            .pingInterval(Duration.ofSeconds(20))
            .maxPingsOut(3)
            .connectionListener(this::onEvent)
            .errorListener(new QuietErrors(this));
    endpoint.auth().apply(options);
    if (settings.tlsCaFile() != null) {
      options.sslContext(trusting(settings.tlsCaFile()));
    }
    Connection conn;
    try {
      // Unlike connect(), a server that is down at start is retried with the same backoff.
      conn = Nats.connectReconnectOnConnect(options.build());
    } catch (IOException e) {
      lastProblem = Redaction.urls("cannot connect to NATS: " + e.getMessage());
      throw e;
    }
    subjects = endpointSubjects;
    connection.set(conn);
    pingSubject = subjects.ping(instanceId);
    Dispatcher pong = conn.createDispatcher(msg -> conn.publish(msg.getReplyTo(), new byte[0]));
    pong.subscribe(pingSubject);
    bindStatistics(conn);
    return conn;
  }

  /** The live connection, or null before the first connect. */
  public Connection connection() {
    return connection.get();
  }

  /** The subjects of the cluster this session serves, or null before the first connect. */
  public Subjects subjects() {
    return subjects;
  }

  /** Why the bridge is not serving yet (shown on /readyz until a connection is up). */
  public void reportProblem(String problem) {
    lastProblem = Redaction.urls(problem);
  }

  public boolean isConnected() {
    Connection conn = connection.get();
    return conn != null
        && conn.getStatus() == Connection.Status.CONNECTED
        && pingMisses.get() < settings.pingMisses();
  }

  public String problem() {
    Connection conn = connection.get();
    if (conn == null) {
      return lastProblem;
    }
    if (conn.getStatus() != Connection.Status.CONNECTED) {
      return "NATS connection is " + conn.getStatus().name().toLowerCase(java.util.Locale.ROOT);
    }
    if (pingMisses.get() >= settings.pingMisses()) {
      return "NATS round trip failed " + pingMisses.get() + " times in a row";
    }
    return "";
  }

  /**
   * One application-level round trip. TCP and NATS pings can look fine through a broken proxy or
   * mesh; a request that must come back through the server cannot. Repeated misses force a
   * reconnect.
   */
  public void probePath() {
    Connection conn = connection.get();
    if (conn == null || conn.getStatus() != Connection.Status.CONNECTED) {
      return;
    }
    try {
      Message reply = conn.request(pingSubject, new byte[0], settings.pingInterval().dividedBy(2));
      if (reply != null) {
        pingMisses.set(0);
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (RuntimeException e) {
      // counted below
    }
    int misses = pingMisses.incrementAndGet();
    meters.counter("agent.nats.ping.misses").increment();
    if (misses == settings.pingMisses()) {
      log.warn("NATS path looks dead ({} round trips lost); forcing a reconnect", misses);
      try {
        conn.forceReconnect();
      } catch (IOException e) {
        log.warn("forced reconnect failed: {}", Redaction.urls(e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void onEvent(Connection conn, ConnectionListener.Events event) {
    switch (event) {
      case CONNECTED -> {
        String url = Redaction.urls(conn.getConnectedUrl());
        log.info("connected to NATS at {}", url);
        events.record(AgentEvent.CONNECTED, "connected to NATS at " + url);
        recordReconnected();
      }
      case RECONNECTED -> {
        reconnects.increment();
        String url = Redaction.urls(conn.getConnectedUrl());
        log.info("reconnected to NATS at {}", url);
        events.record(AgentEvent.CONNECTED, "reconnected to NATS at " + url);
        recordReconnected();
        listeners.forEach(Listener::reconnected);
      }
      case DISCONNECTED -> {
        disconnects.increment();
        disconnectedSinceNanos.set(System.nanoTime());
        log.warn("lost the NATS connection; reconnecting with backoff");
        events.record(
            AgentEvent.DISCONNECTED, "lost the NATS connection; reconnecting with backoff");
        listeners.forEach(Listener::disconnected);
      }
      case CLOSED -> log.info("NATS connection closed");
      default -> log.debug("NATS event {}", event);
    }
  }

  private void recordReconnected() {
    pingMisses.set(0);
    long since = disconnectedSinceNanos.getAndSet(0);
    if (since != 0) {
      disconnectedSeconds.increment((System.nanoTime() - since) / 1e9);
    }
  }

  private void bindStatistics(Connection conn) {
    Statistics stats = conn.getStatistics();
    FunctionCounter.builder("agent.nats.messages", stats, Statistics::getInMsgs)
        .tag("direction", "in")
        .register(meters);
    FunctionCounter.builder("agent.nats.messages", stats, Statistics::getOutMsgs)
        .tag("direction", "out")
        .register(meters);
    FunctionCounter.builder("agent.nats.bytes", stats, Statistics::getInBytes)
        .tag("direction", "in")
        .register(meters);
    FunctionCounter.builder("agent.nats.bytes", stats, Statistics::getOutBytes)
        .tag("direction", "out")
        .register(meters);
  }

  private static SSLContext trusting(java.nio.file.Path caFile) throws IOException {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, cert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot load the NATS CA file " + caFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    Connection conn = connection.getAndSet(null);
    if (conn != null) {
      conn.close();
    }
  }

  /**
   * jnats reports every reconnect attempt failure; the connection listener already says what
   * matters.
   */
  private static final class QuietErrors implements ErrorListener {
    private final NatsSession session;

    QuietErrors(NatsSession session) {
      this.session = session;
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
      // Until the first connect succeeds this is the only word of why (e.g. "Authorization
      // Violation"). The server's -ERR text should name no credentials; redacted all the same.
      String problem = Redaction.urls("NATS server error: " + error);
      log.warn(problem);
      session.lastProblem = problem;
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      // jnats' exceptions may name the server URL it tried, user-info and all
      log.debug("NATS connection exception: {}", Redaction.urls(exp.toString()));
    }
  }
}
