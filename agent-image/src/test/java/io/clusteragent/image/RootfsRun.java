package io.clusteragent.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A process in an unpacked image rootfs, started as a container runtime would start it, with no
 * container engine: new mount and PID namespaces with /proc, the host's /dev and an empty tmpfs
 * /tmp (the chart mounts an emptyDir there), then chroot to the rootfs as the image's user, in its
 * working directory, with only the image's environment plus {@code extraEnv}. The host network is
 * shared, so a server in it listens on a host port.
 *
 * <p>Needs root (chroot, mounts and the switch to the image's user): CI and this machine run tests
 * as root.
 */
record RootfsRun(Path rootfs, JsonNode runConfig) {

  static boolean permitted() {
    return "root".equals(System.getProperty("user.name"));
  }

  ProcessBuilder command(List<String> command, Map<String, String> extraEnv) {
    String[] user = runConfig.path("User").asString().split(":");
    assertThat(user).as("User of the image config").hasSize(2);
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode entry : runConfig.path("Env")) {
      String[] pair = entry.asString().split("=", 2);
      env.put(pair[0], pair[1]);
    }
    env.putAll(extraEnv);

    String root = rootfs.toString();
    List<String> line = new ArrayList<>();
    line.addAll(
        List.of(
            "unshare",
            "--mount",
            "--pid",
            "--fork",
            // should this process die, the one in the rootfs goes with it
            "--kill-child",
            "--mount-proc=" + rootfs.resolve("proc"),
            "sh",
            "-c",
            "mount --rbind /dev \"$0/dev\" && mount -t tmpfs -o mode=1777 tmpfs \"$0/tmp\""
                + " && exec \"$@\"",
            root,
            "env",
            "-i"));
    env.forEach((name, value) -> line.add(name + "=" + value));
    line.addAll(
        List.of(
            "unshare",
            "--root=" + root,
            "--wd=" + runConfig.path("WorkingDir").asString(),
            "--setuid=" + user[0],
            "--setgid=" + user[1]));
    line.addAll(command);
    return new ProcessBuilder(line).redirectErrorStream(true);
  }

  /** The image's entrypoint, exactly as its config gives it. */
  List<String> entrypoint() {
    List<String> entrypoint = new ArrayList<>();
    runConfig.path("Entrypoint").forEach(arg -> entrypoint.add(arg.asString()));
    return entrypoint;
  }
}
