package io.clusteragent.protocol;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform's Ed25519 signing keys as text: PEM blocks as {@code openssl genpkey -algorithm
 * ed25519} and {@code openssl pkey -pubout} write them, or the bare base64 of the same DER bytes. A
 * public-key text may hold several keys (PEM blocks, or base64 separated by commas or whitespace):
 * during a rotation the agent trusts the old and the new key.
 */
public final class PlatformKeys {

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]*)-----END \\1-----");

  private PlatformKeys() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519", e);
    }
  }

  /**
   * Every public key in {@code text}; an unreadable one is an error naming its position, never its
   * bytes.
   */
  public static List<PublicKey> publicKeys(String text) {
    List<PublicKey> keys = new ArrayList<>();
    List<byte[]> ders = ders(text, "PUBLIC KEY");
    for (int i = 0; i < ders.size(); i++) {
      try {
        keys.add(
            KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(ders.get(i))));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "public key "
                + (i + 1)
                + " is not an Ed25519 public key (X.509 SubjectPublicKeyInfo, PEM or base64)");
      }
    }
    return List.copyOf(keys);
  }

  /** The one private key in {@code text}. The message of a failure never holds key material. */
  public static PrivateKey privateKey(String text) {
    List<byte[]> ders = ders(text, "PRIVATE KEY");
    if (ders.size() != 1) {
      throw new IllegalArgumentException(
          "expected exactly one Ed25519 private key, found " + ders.size());
    }
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePrivate(new PKCS8EncodedKeySpec(ders.get(0)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not an Ed25519 private key (PKCS#8, PEM or base64)");
    }
  }

  /**
   * DER prefixes of an Ed25519 key: X.509 SubjectPublicKeyInfo and PKCS#8 v1 (as openssl and the
   * JDK write them).
   */
  private static final byte[] PUBLIC_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private static final byte[] PRIVATE_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");

  /** The 32 raw bytes of an Ed25519 public key. */
  static byte[] rawPublic(PublicKey key) {
    return raw(key.getEncoded(), PUBLIC_PREFIX, "public");
  }

  /** The 32-byte seed of an Ed25519 private key. */
  static byte[] rawPrivate(PrivateKey key) {
    return raw(key.getEncoded(), PRIVATE_PREFIX, "private");
  }

  private static byte[] raw(byte[] der, byte[] prefix, String what) {
    if (der == null
        || der.length != prefix.length + 32
        || !Arrays.equals(der, 0, prefix.length, prefix, 0, prefix.length)) {
      throw new IllegalArgumentException(
          "not an Ed25519 " + what + " key in the expected encoding");
    }
    return Arrays.copyOfRange(der, prefix.length, der.length);
  }

  public static String pem(PublicKey key) {
    return pem("PUBLIC KEY", key.getEncoded());
  }

  public static String pem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  private static List<byte[]> ders(String text, String label) {
    List<byte[]> ders = new ArrayList<>();
    String rest = text == null ? "" : text;
    Matcher pem = PEM.matcher(rest);
    boolean anyPem = false;
    while (pem.find()) {
      anyPem = true;
      if (!pem.group(1).equals(label)) {
        throw new IllegalArgumentException(
            "expected a '" + label + "' PEM block, found '" + pem.group(1) + "'");
      }
      ders.add(decode(pem.group(2)));
    }
    if (anyPem) {
      return ders;
    }
    for (String token : rest.split("[,\\s]+")) {
      if (!token.isBlank()) {
        ders.add(decode(token));
      }
    }
    return ders;
  }

  private static byte[] decode(String base64) {
    try {
      return Base64.getMimeDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key text is not base64");
    }
  }
}
