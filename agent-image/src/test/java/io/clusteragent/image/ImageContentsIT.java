package io.clusteragent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built image tarball, read as a runtime reads it: its config (user, entrypoint, port, home)
 * and its layers unpacked into a rootfs that holds the jlinked runtime, helm, the app and its AOT
 * cache; the entrypoint then runs in that rootfs, as the image's user, far enough to answer /livez
 * with the AOT cache required.
 */
class ImageContentsIT {

  private static final Path REPO = Path.of(System.getProperty("repo.root", "..")).normalize();

  @TempDir static Path work;
  static OciImageTarball image;
  static Path rootfs;

  @BeforeAll
  static void unpack() throws Exception {
    image = OciImageTarball.unpack(Path.of(System.getProperty("image.tar")), work.resolve("oci"));
    rootfs = image.unpackRootfs(work.resolve("rootfs"));
  }

  @Test
  void configRunsTheAgentAsTheChartsUserWithTheJvmOptionsAndAotCache() {
    var config = image.runConfig();

    assertThat(config.path("User").asString()).isEqualTo("1000:1000");
    assertThat(config.path("WorkingDir").asString()).isEqualTo("/home/agent");
    assertThat(config.path("ExposedPorts").propertyNames()).containsExactly("8080/tcp");
    assertThat(strings(config.path("Env"))).contains("HOME=/home/agent");
    assertThat(strings(config.path("Entrypoint")))
        .containsExactly(
            "java", "@/app/jvm.options", "-XX:AOTCache=/app/app.aot", "-jar", "/app/app.jar");
    assertThat(image.config().path("architecture").asString()).isEqualTo("amd64");
    assertThat(image.config().path("created").asString()).isEqualTo("1970-01-01T00:00:00Z");
  }

  @Test
  void layersAreTheSixTheBuildStagesEachGzippedAndNamedByTheirDigest() throws Exception {
    List<OciImageTarball.Layer> layers = image.layers();

    assertThat(layers).hasSize(6);
    for (OciImageTarball.Layer layer : layers) {
      assertThat(Files.size(layer.blob())).isEqualTo(layer.size());
      assertThat("sha256:" + Commands.run(List.of("sha256sum", layer.blob().toString())))
          .startsWith(layer.digest() + " ");
    }
    // runtime, userland, helm, dependencies, app, AOT cache: the size report in the build's
    // output of this test (target/failsafe-reports) is the image's layer breakdown
    String[] names = {"runtime", "userland", "helm", "dependencies", "app", "aot-cache"};
    long total = Files.size(Path.of(System.getProperty("image.tar")));
    System.out.printf("image tarball: %,d bytes%n", total);
    for (int i = 0; i < layers.size(); i++) {
      System.out.printf("layer %-12s %,13d bytes (gzip)%n", names[i], layers.get(i).size());
    }
  }

  @Test
  void rootfsHoldsTheRuntimeUserlandAppAndAotCache() throws IOException {
    assertThat(rootfs.resolve("opt/java/openjdk/bin/java")).isExecutable();
    assertThat(rootfs.resolve("opt/java/openjdk/lib/jspawnhelper"))
        .as("the JDK starts helm through it")
        .isExecutable();
    assertThat(rootfs.resolve("usr/local/bin/helm")).isExecutable();
    assertThat(rootfs.resolve("app/app.jar")).isRegularFile();
    assertThat(rootfs.resolve("app/app.aot")).isNotEmptyFile();
    assertThat(rootfs.resolve("app/jvm.options"))
        .hasSameTextualContentAs(REPO.resolve("deploy/jvm.options"));
    assertThat(rootfs.resolve("app")).isDirectoryNotContaining("glob:**/jib-*");
    assertThat(rootfs.resolve("etc/ssl/certs/ca-certificates.crt"))
        .content()
        .contains("-----BEGIN CERTIFICATE-----");
    assertThat(Files.readAllLines(rootfs.resolve("etc/passwd")))
        .contains("agent:x:1000:1000:agent:/home/agent:/usr/sbin/nologin");
    assertThat(Files.readAllLines(rootfs.resolve("etc/group"))).contains("agent:x:1000:");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("tmp"))))
        .isEqualTo("rwxrwxrwx");
    if (RootfsRun.permitted()) {
      assertThat(Files.getAttribute(rootfs.resolve("home/agent"), "unix:uid")).isEqualTo(1000);
      assertThat(Files.getAttribute(rootfs.resolve("tmp"), "unix:mode"))
          .as("sticky /tmp")
          .isEqualTo(01777 | 0040000);
      assertThat(Files.getAttribute(rootfs.resolve("app/app.jar"), "unix:uid")).isEqualTo(0);
    }
  }

  @Test
  void imageHoldsTheFilesThisBuildStaged() throws Exception {
    Path staged = Path.of(System.getProperty("image.staging")).resolve("layers");

    for (String file : List.of("app/app.jar", "app/jvm.options", "app/app.aot")) {
      Path layer = file.endsWith(".aot") ? staged.resolve("aot-cache") : staged.resolve("app");
      assertThat(sha256(rootfs.resolve(file))).as(file).isEqualTo(sha256(layer.resolve(file)));
    }
    try (var jars = Files.list(staged.resolve("dependencies/app/lib"))) {
      for (Path jar : jars.toList()) {
        Path inImage = rootfs.resolve("app/lib").resolve(jar.getFileName().toString());
        assertThat(sha256(inImage)).as("%s", inImage).isEqualTo(sha256(jar));
      }
    }
  }

  @Test
  void helmInTheImageIsThePinnedVersion() throws Exception {
    assumeThat(RootfsRun.permitted()).as("chroot needs root").isTrue();
    Matcher pin =
        Pattern.compile("(?m)^\\s*helm\\.sh/helm/v4 (v\\S+)")
            .matcher(Files.readString(REPO.resolve("testenv/tools/helm/go.mod")));
    assertThat(pin.find()).isTrue();

    String version = output(run().command(List.of("helm", "version", "--short"), Map.of()));

    assertThat(version.strip()).isEqualTo(pin.group(1));
  }

  @Test
  void runtimeHoldsOnlyTheJlinkedModules() throws Exception {
    assumeThat(RootfsRun.permitted()).as("chroot needs root").isTrue();

    String modules = output(run().command(List.of("java", "--list-modules"), Map.of()));

    assertThat(modules).contains("java.base@25", "java.net.http@25", "jdk.management@25");
    assertThat(modules).doesNotContain("jdk.compiler", "jdk.jshell", "java.xml.crypto");
  }

  @Test
  void entrypointStartsTheAgentWithTheAotCacheRequiredUntilLivezAnswers() throws Exception {
    assumeThat(RootfsRun.permitted()).as("chroot needs root").isTrue();
    int port = freePort();
    Path log = work.resolve("agent.log");
    // AOTMode=on: the JVM exits at once if the cache does not match the runtime or classpath.
    ProcessBuilder builder =
        run()
            .command(
                run().entrypoint(),
                Map.of(
                    "SERVER_PORT",
                    Integer.toString(port),
                    "KUBECONFIG",
                    "/nonexistent",
                    "JDK_JAVA_OPTIONS",
                    "-XX:AOTMode=on"))
            .redirectOutput(log.toFile());
    Process agent = builder.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> livez = null;
      long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (System.nanoTime() < until && agent.isAlive()) {
        try {
          livez =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/livez"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (livez.statusCode() == 200) {
            break;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(250);
      }
      String output = Files.readString(log);
      assertThat(agent.isAlive()).as(output).isTrue();
      assertThat(livez).as(output).isNotNull();
      assertThat(livez.statusCode()).isEqualTo(200);
      assertThat(livez.body()).contains("\"status\":\"UP\"");
      // the answer came from this agent, not from another process on the host
      assertThat(output)
          .contains("Tomcat started on port " + port)
          .contains("started by agent in /home/agent");
    } finally {
      // unshare holds off SIGTERM while its child runs: stop the agent itself, as a runtime would
      agent.descendants().forEach(ProcessHandle::destroy);
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.descendants().forEach(ProcessHandle::destroyForcibly);
        agent.destroyForcibly();
      }
    }
  }

  private static RootfsRun run() {
    return new RootfsRun(rootfs, image.runConfig());
  }

  private static String output(ProcessBuilder builder) throws Exception {
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();
    return output;
  }

  private static String sha256(Path file) throws Exception {
    return Commands.run(List.of("sha256sum", file.toString())).split(" ")[0];
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static List<String> strings(tools.jackson.databind.JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asString()));
    return values;
  }
}
