package dev.haven.dist.config;

/** A {@code host:port} pair from a config file or a flag. */
public record HostPort(String host, int port) {

  /** Parses {@code host:port}, naming {@code field} when the value is malformed. */
  public static HostPort parse(String value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is missing (expected host:port)");
    }
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException(field + " must be host:port, not '" + value + "'");
    }
    try {
      int port = Integer.parseInt(value.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new HostPort(value.substring(0, colon), port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " has a bad port: '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
