package io.clusteragent.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay whose existing connections can be frozen: bytes stop flowing but the sockets
 * stay open. That is the "dead path that TCP still calls alive" of a stuck load balancer or mesh.
 */
public final class FreezableTcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final String targetHost;
  private final int targetPort;
  private final List<Relay> relays = new CopyOnWriteArrayList<>();
  private volatile boolean frozenAll;

  private final class Relay {
    final Socket client;
    final Socket upstream;
    volatile boolean frozen;

    Relay(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void pump(InputStream from, OutputStream to) {
      byte[] buffer = new byte[16 * 1024];
      try {
        int n;
        while ((n = from.read(buffer)) >= 0) {
          while (frozen || frozenAll) {
            Thread.sleep(50); // hold the bytes; keep both sockets open
          }
          to.write(buffer, 0, n);
          to.flush();
        }
      } catch (IOException | InterruptedException e) {
        // connection over
      } finally {
        closeQuietly();
      }
    }

    void closeQuietly() {
      try {
        client.close();
        upstream.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  public FreezableTcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("proxy-accept").start(this::acceptLoop);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Freezes every connection open now; later connections flow normally. */
  public void freezeExisting() {
    relays.forEach(r -> r.frozen = true);
  }

  /** Freezes every connection, including ones accepted from now on, until thawed. */
  public void freezeAll() {
    frozenAll = true;
  }

  public void thaw() {
    frozenAll = false;
    relays.forEach(r -> r.frozen = false);
  }

  public int connectionsAccepted() {
    return relays.size();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(targetHost, targetPort);
        Relay relay = new Relay(client, upstream);
        relays.add(relay);
        Thread.ofVirtual()
            .start(() -> {
              try {
                relay.pump(client.getInputStream(), upstream.getOutputStream());
              } catch (IOException e) {
                relay.closeQuietly();
              }
            });
        Thread.ofVirtual()
            .start(() -> {
              try {
                relay.pump(upstream.getInputStream(), client.getOutputStream());
              } catch (IOException e) {
                relay.closeQuietly();
              }
            });
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    relays.forEach(Relay::closeQuietly);
  }
}
