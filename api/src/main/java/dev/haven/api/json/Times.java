package dev.haven.api.json;

import java.time.Instant;

/** Times as the API writes them: ISO-8601 in UTC, e.g. {@code 2026-11-20T10:15:30.123Z}. */
public final class Times {
  private Times() {}

  /** {@code millis} since the epoch in ISO-8601 UTC, or null for null. */
  public static String iso(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }
}
