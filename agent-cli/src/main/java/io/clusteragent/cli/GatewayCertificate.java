package io.clusteragent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throw-away TLS identity for the gateway on 127.0.0.1: a fresh EC key and self-signed
 * certificate (made with the running JDK's keytool), kept only in memory once loaded. The
 * certificate goes into the kubeconfig the gateway writes, so kubectl trusts exactly this gateway.
 */
final class GatewayCertificate {

  private final SSLContext context;
  private final String certificatePem;

  private GatewayCertificate(SSLContext context, String certificatePem) {
    this.context = context;
    this.certificatePem = certificatePem;
  }

  SSLContext context() {
    return context;
  }

  /** The certificate as a kubeconfig's {@code certificate-authority-data}. */
  String authorityData() {
    return Base64.getEncoder().encodeToString(certificatePem.getBytes(StandardCharsets.US_ASCII));
  }

  static GatewayCertificate create() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("agentctl-gateway");
    try {
      Path store = dir.resolve("gateway.p12");
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      keytool(
          password,
          "-genkeypair",
          "-alias",
          "gateway",
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=agentctl-gateway",
          "-ext",
          "san=ip:127.0.0.1,dns:localhost",
          "-validity",
          "365",
          "-keystore",
          store.toString(),
          "-storetype",
          "PKCS12",
          "-storepass:env",
          "GATEWAY_STORE_PASSWORD");
      String pem =
          keytool(
              password,
              "-exportcert",
              "-rfc",
              "-alias",
              "gateway",
              "-keystore",
              store.toString(),
              "-storepass:env",
              "GATEWAY_STORE_PASSWORD");
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keys.load(in, password.toCharArray());
      }
      KeyManagerFactory managers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      managers.init(keys, password.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(managers.getKeyManagers(), null, null);
      return new GatewayCertificate(context, pem);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up the gateway's TLS identity: " + e.getMessage(), e);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /**
   * Runs keytool with the store password in its environment (never on a command line); returns
   * stdout.
   */
  private static String keytool(String password, String... args)
      throws IOException, InterruptedException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    ProcessBuilder builder =
        new ProcessBuilder(
            Stream.concat(Stream.of(keytool.toString()), List.of(args).stream()).toList());
    builder.environment().put("GATEWAY_STORE_PASSWORD", password);
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException("keytool failed: " + output.strip());
    }
    return output;
  }
}
