package dev.haven.cloud.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens the object store a cloud site names by location:
 *
 * <ul>
 *   <li>{@code file:///srv/haven/cloud} (or a plain path): a folder ({@link FolderObjectStore});
 *   <li>{@code s3://bucket[/prefix][?endpoint=http://127.0.0.1:9000&region=…]}: an S3 bucket
 *       ({@link S3ObjectStore}, options in {@link S3Settings});
 *   <li>{@code azure://container[/prefix][?endpoint=https://ACCOUNT.blob.core.windows.net]}: an
 *       Azure Blob container ({@link AzureBlobObjectStore}, options in {@link AzureSettings}).
 * </ul>
 *
 * Credentials belong in the environment ({@code HAVEN_S3_ACCESS_KEY} and {@code
 * HAVEN_S3_SECRET_KEY}; {@code HAVEN_AZURE_CONNECTION_STRING}, or {@code HAVEN_AZURE_ACCOUNT} and
 * {@code HAVEN_AZURE_KEY}); the location may carry them too, which tests use.
 */
public final class ObjectStores {
  private ObjectStores() {}

  /**
   * Opens the store at {@code location}; an unknown scheme is an error that lists the known ones.
   */
  public static ObjectStore open(String location) throws IOException {
    return open(location, System.getenv());
  }

  /** Opens the store at {@code location}, reading credentials it does not give from {@code env}. */
  static ObjectStore open(String location, Map<String, String> env) throws IOException {
    String scheme = location.contains("://") ? location.substring(0, location.indexOf("://")) : "";
    switch (scheme) {
      case "":
        return new FolderObjectStore(Path.of(location));
      case "file":
        return new FolderObjectStore(Path.of(URI.create(location)));
      case "s3":
        return S3ObjectStore.open(location, env);
      case "azure":
        return AzureBlobObjectStore.open(location, env);
      default:
        throw new IllegalArgumentException(
            "unknown object store '"
                + StoreLocation.redact(location)
                + "': expected file:///path, s3://bucket[/prefix][?…] or"
                + " azure://container[/prefix][?…]");
    }
  }
}
