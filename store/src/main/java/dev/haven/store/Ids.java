package dev.haven.store;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Opaque ids: a kind prefix and eight random hex digits, e.g. {@code site-3fa29c01}. The prefix
 * only helps a reader of logs; nothing parses it.
 */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** A new id such as {@code job-0b5e77d1} for {@code prefix} "job". */
  public static String next(String prefix) {
    byte[] bytes = new byte[4];
    RANDOM.nextBytes(bytes);
    return prefix + "-" + HexFormat.of().formatHex(bytes);
  }

  /** The id of the recovery point with sequence {@code seq}: {@code rp-<seq>}. */
  public static String recoveryPoint(long seq) {
    return "rp-" + seq;
  }
}
