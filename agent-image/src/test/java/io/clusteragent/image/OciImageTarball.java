package io.clusteragent.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The image Jib's {@code buildTar} wrote with {@code <format>OCI</format>}: an OCI image layout
 * (index.json, blobs/sha256/…) in one tar, unpacked to a directory. Every blob is read by the
 * digest that names it, as a registry or a runtime would.
 */
record OciImageTarball(Path layout, String manifestDigest, JsonNode manifest, JsonNode config) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One layer as the manifest lists it: its digest and compressed size. */
  record Layer(String digest, long size, Path blob) {}

  /** The tarball named by the build ({@code image.tar}), unpacked into {@code directory}. */
  static OciImageTarball unpack(Path tarball, Path directory) throws Exception {
    assertThat(tarball)
        .as("the image tarball (built by `./mvnw package` in agent-image)")
        .isRegularFile();
    Files.createDirectories(directory);
    Commands.run(List.of("tar", "-xf", tarball.toString(), "-C", directory.toString()));
    JsonNode index = read(directory.resolve("index.json"));
    assertThat(index.path("manifests").size()).as("manifests in index.json").isEqualTo(1);
    String manifestDigest = index.path("manifests").get(0).path("digest").asString();
    JsonNode manifest = read(blob(directory, manifestDigest));
    JsonNode config = read(blob(directory, manifest.path("config").path("digest").asString()));
    return new OciImageTarball(directory, manifestDigest, manifest, config);
  }

  static Path blob(Path layout, String digest) {
    assertThat(digest).startsWith("sha256:");
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  Path blob(String digest) {
    return blob(layout, digest);
  }

  List<Layer> layers() {
    List<Layer> layers = new ArrayList<>();
    for (JsonNode layer : manifest.path("layers")) {
      String digest = layer.path("digest").asString();
      layers.add(new Layer(digest, layer.path("size").asLong(), blob(digest)));
    }
    return layers;
  }

  /** The image's {@code config} section: user, entrypoint, environment, ports, working dir. */
  JsonNode runConfig() {
    return config.path("config");
  }

  /**
   * The root filesystem a runtime would mount: the layers unpacked in order, with the owners and
   * modes they carry (as root; another user keeps modes but owns every file).
   */
  Path unpackRootfs(Path rootfs) throws Exception {
    Files.createDirectories(rootfs);
    for (Layer layer : layers()) {
      Commands.run(
          List.of(
              "tar",
              "--warning=no-unknown-keyword",
              "--same-permissions",
              "--numeric-owner",
              "-xzf",
              layer.blob().toString(),
              "-C",
              rootfs.toString()));
    }
    return rootfs;
  }

  private static JsonNode read(Path file) throws IOException {
    return JSON.readTree(Files.readString(file));
  }
}
