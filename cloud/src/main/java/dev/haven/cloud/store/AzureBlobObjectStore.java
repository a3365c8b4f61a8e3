package dev.haven.cloud.store;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Objects as block blobs in an Azure Blob container, optionally under a name prefix. A put is one
 * Put Blob request carrying the data's MD5, so the service stores the whole object or nothing and
 * refuses bytes damaged on the way; objects are at most {@link #MAX_OBJECT_BYTES}, well under the
 * single-request limit. The SDK talks HTTP through the JDK's {@code java.net.http.HttpClient}
 * instead of reactor-netty, so the backend adds no second Netty to the process.
 *
 * <p>Opening checks that the container exists and that the credentials may use it, and creates the
 * container only when the location asks for it ({@code create=true}). Errors name the container,
 * the endpoint and the key, never the account key or connection string.
 */
public final class AzureBlobObjectStore implements ObjectStore {
  private final BlobContainerClient container;
  private final String keyPrefix;
  private final int pageSize;
  private final Duration callTimeout;
  private final RetrySettings retries;
  private final String description;

  private AzureBlobObjectStore(AzureSettings settings, BlobContainerClient container) {
    this.container = container;
    this.keyPrefix = settings.prefix().isEmpty() ? "" : settings.prefix() + "/";
    this.pageSize = settings.pageSize();
    this.retries = settings.retries();
    // A bound on a whole call, all tries and back-off included, so a listing never hangs forever.
    this.callTimeout =
        retries.attemptTimeout().plus(retries.maxBackoff()).multipliedBy(retries.attempts());
    this.description =
        "azure container "
            + settings.container()
            + (settings.prefix().isEmpty() ? "" : " (prefix " + keyPrefix + ")")
            + " at "
            + container.getAccountUrl();
  }

  /**
   * Opens the container at {@code location} ({@code azure://container[/prefix][?options]}, see
   * {@link AzureSettings}), taking credentials the location does not give from {@code env}.
   */
  public static AzureBlobObjectStore open(String location, Map<String, String> env)
      throws IOException {
    AzureSettings settings = AzureSettings.parse(location, env);
    BlobServiceClient service;
    try {
      service = client(settings);
    } catch (IllegalArgumentException e) {
      // The SDK refuses a malformed connection string or key; its message never repeats the key.
      throw new IllegalArgumentException(settings + ": " + e.getMessage(), e);
    }
    AzureBlobObjectStore store =
        new AzureBlobObjectStore(settings, service.getBlobContainerClient(settings.container()));
    store.checkContainer(settings.create());
    return store;
  }

  private static BlobServiceClient client(AzureSettings settings) {
    RetrySettings retries = settings.retries();
    HttpClient http =
        new JdkHttpClientBuilder()
            .connectionTimeout(min(Duration.ofSeconds(10), retries.attemptTimeout()))
            .responseTimeout(retries.attemptTimeout())
            .readTimeout(retries.attemptTimeout())
            .build();
    BlobServiceClientBuilder builder =
        new BlobServiceClientBuilder()
            .httpClient(http)
            .retryOptions(
                new RequestRetryOptions(
                    RetryPolicyType.EXPONENTIAL,
                    retries.attempts(),
                    retries.attemptTimeout(),
                    retries.backoff(),
                    retries.maxBackoff(),
                    null));
    if (settings.connectionString() != null) {
      builder.connectionString(settings.connectionString());
    } else {
      builder.credential(new StorageSharedKeyCredential(settings.account(), settings.key()));
    }
    if (settings.endpoint() != null) {
      builder.endpoint(settings.endpoint());
    }
    return builder.buildClient();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void checkContainer(boolean create) throws IOException {
    try {
      if (container.exists()) {
        return;
      }
      if (!create) {
        throw new IOException(
            describe()
                + ": the container does not exist; create it, or add create=true to the location");
      }
      container.createIfNotExists();
    } catch (RuntimeException e) {
      throw failure(create ? "create the container" : "open the container", null, e);
    }
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    String name = name(key);
    if (data.length > MAX_OBJECT_BYTES) {
      throw new IllegalArgumentException(
          "object '" + key + "' is " + data.length + " bytes, more than " + MAX_OBJECT_BYTES);
    }
    BlockBlobSimpleUploadOptions upload =
        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(data)).setContentMd5(md5(data));
    try {
      // Without request conditions the upload replaces any blob under the name.
      container
          .getBlobClient(name)
          .getBlockBlobClient()
          .uploadWithResponse(upload, callTimeout, Context.NONE);
    } catch (RuntimeException e) {
      throw failure("store", key, e);
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    String name = name(key);
    try {
      return container.getBlobClient(name).downloadContent().toBytes();
    } catch (BlobStorageException e) {
      if (BlobErrorCode.BLOB_NOT_FOUND.equals(e.getErrorCode())) {
        throw new NoSuchObjectException(describe(), key);
      }
      throw failure("read", key, e);
    } catch (RuntimeException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    String name = name(key);
    try {
      return container.getBlobClient(name).exists();
    } catch (RuntimeException e) {
      throw failure("look up", key, e);
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    ObjectKeys.checkPrefix(prefix);
    ListBlobsOptions options =
        new ListBlobsOptions().setPrefix(keyPrefix + prefix).setMaxResultsPerPage(pageSize);
    List<String> keys = new ArrayList<>();
    try {
      // Iterating the paged result fetches page after page until the listing is complete.
      for (BlobItem item : container.listBlobs(options, callTimeout)) {
        keys.add(item.getName().substring(keyPrefix.length()));
      }
    } catch (RuntimeException e) {
      throw failure("list", prefix + "*", e);
    }
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    String name = name(key);
    try {
      container.getBlobClient(name).deleteIfExists();
    } catch (RuntimeException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /** The SDK's HTTP client holds no resources that outlive the process's daemon threads. */
  @Override
  public void close() {}

  private String name(String key) {
    return keyPrefix + ObjectKeys.check(key);
  }

  private static byte[] md5(byte[] data) {
    try {
      return MessageDigest.getInstance("MD5").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }

  /**
   * Turns an SDK failure into an IOException that names the container, where it is, the key and
   * what went wrong: access denied, a missing container, an unreachable service.
   */
  private IOException failure(String action, String key, RuntimeException e) {
    String forKey = key == null ? " while trying to " + action : " for key '" + key + "'";
    String target = key == null ? "" : " key '" + key + "'";
    String what;
    if (e instanceof BlobStorageException service) {
      int status = service.getStatusCode();
      BlobErrorCode code = service.getErrorCode();
      if (status == 403) {
        what = "access denied (403" + (code == null ? "" : " " + code) + ")" + forKey;
      } else if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
        what = "the container does not exist (404 ContainerNotFound)" + forKey;
      } else {
        what =
            "cannot "
                + action
                + target
                + ": "
                + status
                + (code == null ? "" : " " + code)
                + (service.getServiceMessage() == null
                    ? ""
                    : " " + firstLine(service.getServiceMessage()))
                + Causes.gaveUp(status, retries);
      }
    } else {
      what = "cannot " + action + target + ": " + Causes.describe(e);
    }
    return new IOException(describe() + ": " + what, e);
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
