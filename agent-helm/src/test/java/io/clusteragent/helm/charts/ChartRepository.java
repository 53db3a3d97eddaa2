package io.clusteragent.helm.charts;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.clusteragent.testsupport.TestChart;
import io.clusteragent.testsupport.TestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real HTTPS chart repository on 127.0.0.1: a directory of {@code helm package} archives with the
 * {@code index.yaml} that {@code helm repo index} writes, served with basic authentication and the
 * test environment's serving certificate (so helm trusts it with the environment's CA).
 */
public final class ChartRepository implements AutoCloseable {

  private final TestEnvironment env;
  private final Path dir;
  private final HttpsServer server;
  private final AtomicInteger chartDownloads = new AtomicInteger();

  private ChartRepository(TestEnvironment env, Path dir, HttpsServer server) {
    this.env = env;
    this.dir = dir;
    this.server = server;
  }

  /**
   * @param username null for a repository anyone may read (stacks name no credentials)
   */
  public static ChartRepository start(
      TestEnvironment env, Path dir, String username, String password) throws Exception {
    Files.createDirectories(dir);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls(env, dir.resolveSibling("repo-tls"))));
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    ChartRepository repository = new ChartRepository(env, dir, server);
    var context = server.createContext("/", repository::serve);
    if (username != null) {
      context.setAuthenticator(
          new BasicAuthenticator("charts") {
            @Override
            public boolean checkCredentials(String user, String pass) {
              return username.equals(user) && password.equals(pass);
            }
          });
    }
    server.start();
    return repository;
  }

  public URI url() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** How many chart archives were downloaded: an unchanged re-apply should fetch none twice. */
  public int chartDownloads() {
    return chartDownloads.get();
  }

  /** Packages {@code chart} into the repository and re-indexes it. */
  public void publish(TestChart chart) throws IOException {
    chart.packageInto(env, dir);
    env.helm("repo", "index", dir.toString(), "--url", url().toString()).assertSuccess();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String name = Path.of(exchange.getRequestURI().getPath()).getFileName() + "";
      Path file = dir.resolve(name).normalize();
      if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (name.endsWith(".tgz")) {
        chartDownloads.incrementAndGet();
      }
      exchange.sendResponseHeaders(200, Files.size(file));
      try (InputStream in = Files.newInputStream(file);
          OutputStream out = exchange.getResponseBody()) {
        in.transferTo(out);
      }
    }
  }

  /** The environment's kwok serving certificate (SAN 127.0.0.1) as a PKCS12 key store. */
  private static SSLContext tls(TestEnvironment env, Path work) throws Exception {
    Files.createDirectories(work);
    Path pki = env.dir().resolve("pki");
    Path store = work.resolve("serving.p12");
    if (!Files.exists(store)) {
      env.run(
              "openssl",
              "pkcs12",
              "-export",
              "-in",
              pki.resolve("kwok-serving.crt").toString(),
              "-inkey",
              pki.resolve("kwok-serving.key").toString(),
              "-out",
              store.toString(),
              "-passout",
              "pass:changeit")
          .assertSuccess();
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, "changeit".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(factory.getKeyManagers(), null, null);
    return context;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
