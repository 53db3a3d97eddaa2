package io.clusteragent.proxy.objects;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * What the agent takes out of a Kubernetes object before it leaves the cluster: {@code
 * metadata.managedFields} ({@code k8s_watch.strip_fields}) and a Secret's values ({@code
 * k8s_watch.redact_secrets}). Applied token by token while the object is copied from the API
 * server's response to the platform's, so no object is parsed into a tree and large lists cost no
 * more memory than their largest string.
 *
 * <p>A redacted value becomes {@code sha256:} and the first 16 hex digits of the SHA-256 of the
 * value as the API server sent it (base64 for {@code data}): keys stay, and a changed value shows
 * as a changed digest. The {@code last-applied-configuration} annotation of a Secret holds its
 * values too, so it is redacted the same way.
 */
public record ObjectFilter(boolean stripManagedFields, boolean redactSecretValues) {

  /** Copies objects unchanged: for a command that asked for Secret values and managed fields. */
  public static final ObjectFilter NONE = new ObjectFilter(false, false);

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private static final HexFormat HEX = HexFormat.of();

  /** This filter with Secret values shown (a command that asked for them; RBAC still decides). */
  public ObjectFilter revealingSecrets() {
    return new ObjectFilter(stripManagedFields, false);
  }

  /**
   * Copies the value the parser stands on (an object, or anything else, copied as is) to {@code
   * out}, leaving the parser on its last token, and returns the object's {@code
   * metadata.resourceVersion} (null when it has none): where a watch continues from.
   *
   * @param secret whether the object is a Secret (the caller knows it from the resource it asked
   *     for: list items carry no {@code kind})
   */
  public String copy(JsonParser in, JsonGenerator out, boolean secret) {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      out.copyCurrentStructureExact(in);
      return null;
    }
    boolean redact = secret && redactSecretValues;
    String resourceVersion = null;
    out.writeStartObject();
    while (in.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = in.currentName();
      in.nextToken();
      out.writeName(name);
      if (name.equals("metadata")) {
        resourceVersion = copyMetadata(in, out, redact);
      } else if (redact && (name.equals("data") || name.equals("stringData"))) {
        copyDigestingValues(in, out, null);
      } else {
        out.copyCurrentStructureExact(in);
      }
    }
    out.writeEndObject();
    return resourceVersion;
  }

  /**
   * Copies an object whose {@code object} field holds a Kubernetes object (a watch event, a table
   * row), that object through {@link #copy}, the rest as is; returns that object's resourceVersion.
   */
  public String copyWrapping(JsonParser in, JsonGenerator out, boolean secret) {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      out.copyCurrentStructureExact(in);
      return null;
    }
    String resourceVersion = null;
    out.writeStartObject();
    while (in.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = in.currentName();
      in.nextToken();
      out.writeName(name);
      if (name.equals("object")) {
        resourceVersion = copy(in, out, secret);
      } else {
        out.copyCurrentStructureExact(in);
      }
    }
    out.writeEndObject();
    return resourceVersion;
  }

  private String copyMetadata(JsonParser in, JsonGenerator out, boolean redact) {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      out.copyCurrentStructureExact(in);
      return null;
    }
    String resourceVersion = null;
    out.writeStartObject();
    while (in.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = in.currentName();
      JsonToken value = in.nextToken();
      if (stripManagedFields && name.equals("managedFields")) {
        in.skipChildren();
        continue;
      }
      out.writeName(name);
      if (name.equals("resourceVersion") && value == JsonToken.VALUE_STRING) {
        resourceVersion = in.getString();
        out.writeString(resourceVersion);
      } else if (redact && name.equals("annotations")) {
        copyDigestingValues(in, out, LAST_APPLIED);
      } else {
        out.copyCurrentStructureExact(in);
      }
    }
    out.writeEndObject();
    return resourceVersion;
  }

  /**
   * Copies a string map with its string values replaced by digests: all of them, or only the one
   * under {@code onlyKey} when it is not null.
   */
  private static void copyDigestingValues(JsonParser in, JsonGenerator out, String onlyKey) {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      out.copyCurrentStructureExact(in);
      return;
    }
    out.writeStartObject();
    while (in.nextToken() == JsonToken.PROPERTY_NAME) {
      String key = in.currentName();
      in.nextToken();
      out.writeName(key);
      if (in.currentToken() == JsonToken.VALUE_STRING && (onlyKey == null || onlyKey.equals(key))) {
        out.writeString(digest(in.getString()));
      } else {
        out.copyCurrentStructureExact(in);
      }
    }
    out.writeEndObject();
  }

  static String digest(String value) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HEX.formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
