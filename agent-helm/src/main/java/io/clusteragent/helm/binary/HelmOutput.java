package io.clusteragent.helm.binary;

import java.nio.charset.StandardCharsets;

/** What a successful helm run printed. stderr is already redacted (helm warns there). */
public record HelmOutput(byte[] stdout, String stderr) {

  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }
}
