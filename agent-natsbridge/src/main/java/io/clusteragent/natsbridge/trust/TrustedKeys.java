package io.clusteragent.natsbridge.trust;

import io.clusteragent.protocol.PlatformKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform public keys commands must be signed with. Pinned keys (setting or mounted file) win
 * over the ones check-in offers. The file is looked at again at most every few seconds and re-read
 * when it changed, so a rotation (old and new key side by side, then the old one removed) needs no
 * restart. A file that cannot be read or parsed keeps the last good keys and says so once.
 */
public final class TrustedKeys {

  private static final Logger log = LoggerFactory.getLogger(TrustedKeys.class);
  private static final Duration FILE_RECHECK = Duration.ofSeconds(2);

  private final SigningSettings settings;
  private final Clock clock;
  private final List<PublicKey> fromSetting;
  private volatile List<PublicKey> fromFile = List.of();
  private volatile List<PublicKey> fromCheckIn = List.of();
  private volatile FileTime fileModified;
  private volatile Instant fileCheckedAt = Instant.MIN;
  private volatile String fileProblem;

  public TrustedKeys(SigningSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.fromSetting =
        settings.platformSigningKeys() == null || settings.platformSigningKeys().isBlank()
            ? List.of()
            : PlatformKeys.publicKeys(settings.platformSigningKeys());
    if (settings.platformSigningKeysFile() != null) {
      refreshFile();
    }
  }

  /** The keys a signature is checked against now. */
  public List<PublicKey> current() {
    if (!settings.pinned()) {
      return fromCheckIn;
    }
    if (settings.platformSigningKeysFile() != null
        && !clock.instant().isBefore(fileCheckedAt.plus(FILE_RECHECK))) {
      refreshFile();
    }
    if (fromFile.isEmpty()) {
      return fromSetting;
    }
    List<PublicKey> all = new ArrayList<>(fromSetting);
    all.addAll(fromFile);
    return List.copyOf(all);
  }

  /** The keys the platform offered at check-in; used only when no key is pinned. */
  public void offeredAtCheckIn(List<String> keyTexts) {
    if (settings.pinned() || keyTexts == null) {
      return;
    }
    List<PublicKey> keys = new ArrayList<>();
    for (String text : keyTexts) {
      keys.addAll(PlatformKeys.publicKeys(text));
    }
    fromCheckIn = List.copyOf(keys);
    log.info("trusting {} platform signing key(s) from check-in", keys.size());
  }

  private synchronized void refreshFile() {
    fileCheckedAt = clock.instant();
    var path = settings.platformSigningKeysFile();
    try {
      FileTime modified = Files.getLastModifiedTime(path);
      if (modified.equals(fileModified)) {
        return;
      }
      List<PublicKey> keys =
          PlatformKeys.publicKeys(Files.readString(path, StandardCharsets.UTF_8));
      fromFile = keys;
      fileModified = modified;
      fileProblem = null;
      log.info("trusting {} platform signing key(s) from {}", keys.size(), path);
    } catch (IOException | IllegalArgumentException e) {
      String problem =
          "cannot read the platform signing keys from "
              + path
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + "); keeping the last good keys";
      if (!problem.equals(fileProblem)) {
        log.warn(problem);
        fileProblem = problem;
      }
    }
  }
}
