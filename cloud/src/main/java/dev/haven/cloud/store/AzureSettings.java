package dev.haven.cloud.store;

import java.net.URI;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where and how to reach an Azure Blob container, read from {@code
 * azure://container[/prefix][?options]}.
 *
 * <p>Options: {@code endpoint} (the blob service, such as {@code
 * https://ACCOUNT.blob.core.windows.net} or Azurite's {@code
 * http://127.0.0.1:10000/devstoreaccount1}; without it, the connection string's or the account's
 * public endpoint), {@code account} and {@code key} (a shared account key; else {@code
 * HAVEN_AZURE_ACCOUNT} and {@code HAVEN_AZURE_KEY}, else the connection string in {@code
 * HAVEN_AZURE_CONNECTION_STRING}), {@code create} (create the container when it is missing; default
 * false), {@code pageSize} (names per list request, default 5000), and the {@link RetrySettings}
 * options.
 */
record AzureSettings(
    String container,
    String prefix,
    String endpoint,
    String account,
    String key,
    String connectionString,
    boolean create,
    int pageSize,
    RetrySettings retries) {

  private static final Pattern CONTAINER =
      Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
  private static final Set<String> OPTIONS = new HashSet<>(RetrySettings.OPTIONS);

  static {
    OPTIONS.addAll(Set.of("endpoint", "account", "key", "create", "pageSize"));
  }

  static AzureSettings parse(String location, Map<String, String> env) {
    StoreLocation parsed = StoreLocation.parse(location, OPTIONS);
    if (!CONTAINER.matcher(parsed.name()).matches()) {
      throw new IllegalArgumentException(
          "azure container name '"
              + parsed.name()
              + "' must be 3 to 63 lower-case letters, digits and single hyphens");
    }
    String endpoint = parsed.option("endpoint");
    if (endpoint != null) {
      URI uri = URI.create(endpoint);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "azure endpoint '" + endpoint + "' must be an http:// or https:// address");
      }
    }
    String account = parsed.option("account");
    String key = parsed.option("key");
    String connectionString = null;
    if (account == null && key == null) {
      account = env.get("HAVEN_AZURE_ACCOUNT");
      key = env.get("HAVEN_AZURE_KEY");
      if (account == null && key == null) {
        connectionString = env.get("HAVEN_AZURE_CONNECTION_STRING");
        if (connectionString == null || connectionString.isBlank()) {
          throw new IllegalArgumentException(
              "azure container "
                  + parsed.name()
                  + " has no credentials: set HAVEN_AZURE_CONNECTION_STRING, or HAVEN_AZURE_ACCOUNT"
                  + " and HAVEN_AZURE_KEY, or give account and key in the location");
        }
      }
    }
    if (connectionString == null && (account == null || key == null)) {
      throw new IllegalArgumentException(
          "azure credentials need both an account name and its key (account and key, or"
              + " HAVEN_AZURE_ACCOUNT and HAVEN_AZURE_KEY)");
    }
    if (endpoint == null && account != null) {
      endpoint = "https://" + account + ".blob.core.windows.net";
    }
    return new AzureSettings(
        parsed.name(),
        parsed.prefix(),
        endpoint,
        account,
        key,
        connectionString,
        parsed.booleanOption("create", false),
        parsed.intOption("pageSize", 5000, 1, 5000),
        RetrySettings.from(parsed));
  }

  /** Never shows the key or the connection string. */
  @Override
  public String toString() {
    return "azure container "
        + container
        + (prefix.isEmpty() ? "" : " (prefix " + prefix + "/)")
        + (endpoint == null ? "" : " at " + endpoint);
  }
}
