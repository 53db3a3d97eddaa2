package io.clusteragent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** The {@code --payload} value: inline JSON, {@code @file}, or {@code @-} for standard input. */
final class PayloadArgument {

  private PayloadArgument() {}

  /** Null when no payload was given; the envelope then carries none. */
  static JsonNode read(String argument, InputStream stdin) throws IOException {
    if (argument == null) {
      return null;
    }
    byte[] json;
    String source;
    if (argument.equals("@-")) {
      json = stdin.readAllBytes();
      source = "standard input";
    } else if (argument.startsWith("@")) {
      Path file = Path.of(argument.substring(1));
      json = Files.readAllBytes(file);
      source = file.toString();
    } else {
      json = argument.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      source = "--payload";
    }
    try {
      return WireJson.MAPPER.readTree(json);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "the payload from " + source + " is not JSON: " + e.getOriginalMessage());
    }
  }
}
