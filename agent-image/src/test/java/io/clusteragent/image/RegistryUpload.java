package io.clusteragent.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TrustedCa;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Pushes an OCI image layout to a registry through the distribution API, blob by blob and then the
 * manifest, exactly as the layout holds them (so the registry serves the digest the build
 * computed). HTTPS trusting only the given CA; Basic credentials, the password read from its file
 * and kept out of every message.
 */
final class RegistryUpload {

  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private final HttpClient http;
  private final URI base;
  private final String authorization;

  RegistryUpload(String host, Path caCert, String username, Path passwordFile) throws Exception {
    this.http = HttpClient.newBuilder().sslContext(TrustedCa.sslContext(caCert)).build();
    this.base = URI.create("https://" + host);
    String password = Files.readString(passwordFile).strip();
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Uploads each blob the manifest names, then the manifest under {@code tag}; its digest. */
  String push(OciImageTarball image, String repository, String tag) throws Exception {
    uploadBlob(repository, image.manifest().path("config").path("digest").asString(), image);
    for (OciImageTarball.Layer layer : image.layers()) {
      uploadBlob(repository, layer.digest(), image);
    }
    HttpResponse<String> put =
        send(
            request("/v2/" + repository + "/manifests/" + tag)
                .header("Content-Type", OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofFile(image.blob(image.manifestDigest()))));
    assertThat(put.statusCode()).as("manifest PUT: %s", put.body()).isEqualTo(201);
    return put.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  /** What the registry serves for {@code repository:tag}: status, digest header and body. */
  HttpResponse<byte[]> manifest(String repository, String tag) throws Exception {
    return http.send(
        request("/v2/" + repository + "/manifests/" + tag).header("Accept", OCI_MANIFEST).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<InputStream> blob(String repository, String digest) throws Exception {
    return http.send(
        request("/v2/" + repository + "/blobs/" + digest).build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  private void uploadBlob(String repository, String digest, OciImageTarball image)
      throws Exception {
    HttpResponse<String> head =
        send(
            request("/v2/" + repository + "/blobs/" + digest)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    if (head.statusCode() == 200) {
      return;
    }
    HttpResponse<String> start =
        send(
            request("/v2/" + repository + "/blobs/uploads/")
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(start.statusCode()).as("upload start: %s", start.body()).isEqualTo(202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI upload = base.resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
    HttpResponse<String> put =
        send(
            HttpRequest.newBuilder(upload)
                .header("Authorization", authorization)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofFile(image.blob(digest))));
    assertThat(put.statusCode()).as("blob %s: %s", digest, put.body()).isEqualTo(201);
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", authorization);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
