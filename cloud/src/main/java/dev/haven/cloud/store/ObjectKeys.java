package dev.haven.cloud.store;

import java.util.regex.Pattern;

/** The one rule for object keys, shared by every backend so that they all accept the same keys. */
public final class ObjectKeys {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._=-]+");

  private ObjectKeys() {}

  /**
   * Returns {@code key} if it is a valid object key, and throws {@link IllegalArgumentException}
   * naming what is wrong otherwise.
   */
  public static String check(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("an object key must not be empty");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "object key '" + key + "' has an empty, '.' or '..' segment");
      }
      if (!SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "object key '" + key + "' may hold only letters, digits and . _ = - between slashes");
      }
    }
    return key;
  }

  /** Checks a list prefix: empty, or a key, or a key followed by a slash. */
  public static String checkPrefix(String prefix) {
    if (prefix == null) {
      throw new IllegalArgumentException("a list prefix must not be null");
    }
    if (prefix.isEmpty()) {
      return prefix;
    }
    check(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    return prefix;
  }
}
