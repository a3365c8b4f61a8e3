package dev.haven.cloud.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed object-store location of the form {@code scheme://name[/prefix][?key=value&…]}: the
 * bucket or container, the key prefix every object of the store lives under, and the options. Both
 * cloud backends share it so that they read their locations by the same rules.
 *
 * <p>Option values are percent-decoded, but a {@code +} stays a {@code +}: account keys are base64
 * and hold plus signs, which form decoding would turn into spaces.
 */
final class StoreLocation {
  private final String scheme;
  private final String name;
  private final String prefix;
  private final Map<String, String> options;

  private StoreLocation(String scheme, String name, String prefix, Map<String, String> options) {
    this.scheme = scheme;
    this.name = name;
    this.prefix = prefix;
    this.options = options;
  }

  /**
   * Parses {@code location}, accepting only the options in {@code known}; anything else is an error
   * that lists them, so that a misspelt option never silently falls back to a default.
   */
  static StoreLocation parse(String location, Set<String> known) {
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "object store location is not a URI (" + e.getReason() + ")", e);
    }
    String scheme = uri.getScheme();
    String name = uri.getRawAuthority();
    if (scheme == null || name == null || name.isEmpty()) {
      throw new IllegalArgumentException(
          "object store location needs a scheme and a bucket or container name: "
              + redact(location));
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
    if (!prefix.isEmpty()) {
      ObjectKeys.check(prefix);
    }
    Map<String, String> options = new LinkedHashMap<>();
    String query = uri.getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (!known.contains(key)) {
          throw new IllegalArgumentException(
              scheme
                  + " location has an unknown option '"
                  + key
                  + "'; known options: "
                  + String.join(", ", new TreeSet<>(known)));
        }
        options.put(key, value);
      }
    }
    return new StoreLocation(scheme, name, prefix, options);
  }

  private static String decode(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * The location with its query left out, for messages: the query may hold credentials, which must
   * never reach a log or an error.
   */
  static String redact(String location) {
    int query = location.indexOf('?');
    return query < 0 ? location : location.substring(0, query) + "?…";
  }

  String scheme() {
    return scheme;
  }

  /** The bucket or container. */
  String name() {
    return name;
  }

  /** The key prefix without its trailing slash, or empty. */
  String prefix() {
    return prefix;
  }

  /** The option's value, or {@code null} when the location does not set it. */
  String option(String key) {
    String value = options.get(key);
    return value == null || value.isEmpty() ? null : value;
  }

  /** The option as a whole number in {@code [min, max]}, or {@code fallback} when unset. */
  int intOption(String key, int fallback, int min, int max) {
    String value = option(key);
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Falls through to the error below, which says what is allowed.
    }
    throw new IllegalArgumentException(
        scheme
            + " option "
            + key
            + "="
            + value
            + " must be a whole number in ["
            + min
            + ", "
            + max
            + "]");
  }

  /** The option as a boolean ({@code true} or {@code false}), or {@code fallback} when unset. */
  boolean booleanOption(String key, boolean fallback) {
    String value = option(key);
    if (value == null) {
      return fallback;
    }
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new IllegalArgumentException(
        scheme + " option " + key + "=" + value + " must be true or false");
  }
}
