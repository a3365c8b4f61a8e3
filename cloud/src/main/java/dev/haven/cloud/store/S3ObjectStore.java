package dev.haven.cloud.store;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket (AWS or any S3-compatible server), optionally under a key prefix. A put
 * is one PutObject request, which S3 makes visible whole or not at all; objects are at most {@link
 * #MAX_OBJECT_BYTES}, so no multipart upload is ever needed. The SDK talks HTTP through the JDK's
 * {@code HttpURLConnection}, so the backend adds no Netty and no Apache HttpClient to the process.
 *
 * <p>Opening checks that the bucket exists and that the credentials may use it, and creates the
 * bucket only when the location asks for it ({@code create=true}): a misspelt bucket name is an
 * error at once, not an empty replica. Errors name the bucket, the endpoint and the key, never a
 * credential.
 */
public final class S3ObjectStore implements ObjectStore {
  private final S3Settings settings;
  private final S3Client client;
  private final String keyPrefix;

  private S3ObjectStore(S3Settings settings, S3Client client) {
    this.settings = settings;
    this.client = client;
    this.keyPrefix = settings.prefix().isEmpty() ? "" : settings.prefix() + "/";
  }

  /**
   * Opens the bucket at {@code location} ({@code s3://bucket[/prefix][?options]}, see {@link
   * S3Settings}), taking credentials the location does not give from {@code env}.
   */
  public static S3ObjectStore open(String location, Map<String, String> env) throws IOException {
    S3Settings settings = S3Settings.parse(location, env);
    S3ObjectStore store = new S3ObjectStore(settings, client(settings));
    try {
      store.checkBucket();
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  private static S3Client client(S3Settings settings) {
    RetrySettings retries = settings.retries();
    BackoffStrategy backoff =
        BackoffStrategy.exponentialDelay(retries.backoff(), retries.maxBackoff());
    // The circuit breaker would stop retrying after a run of failures across calls; a DR copy
    // would rather spend every attempt it was configured with, so it is off.
    var retryStrategy =
        AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(retries.attempts())
            .backoffStrategy(backoff)
            .throttlingBackoffStrategy(backoff)
            .circuitBreakerEnabled(false)
            .build();
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(settings.region()))
            .credentialsProvider(settings.credentials())
            .forcePathStyle(settings.pathStyle())
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(min(Duration.ofSeconds(10), retries.attemptTimeout()))
                    .socketTimeout(retries.attemptTimeout()))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(retryStrategy).apiCallAttemptTimeout(retries.attemptTimeout()));
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    return builder.build();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void checkBucket() throws IOException {
    try {
      client.headBucket(b -> b.bucket(settings.bucket()));
      return;
    } catch (AwsServiceException e) {
      if (e.statusCode() != 404) {
        throw failure("open the bucket", null, e);
      }
    } catch (SdkException e) {
      throw failure("open the bucket", null, e);
    }
    if (!settings.create()) {
      throw new IOException(
          describe()
              + ": the bucket does not exist; create it, or add create=true to the location");
    }
    try {
      client.createBucket(b -> b.bucket(settings.bucket()));
    } catch (SdkException e) {
      throw failure("create the bucket", null, e);
    }
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    String name = name(key);
    if (data.length > MAX_OBJECT_BYTES) {
      throw new IllegalArgumentException(
          "object '" + key + "' is " + data.length + " bytes, more than " + MAX_OBJECT_BYTES);
    }
    try {
      client.putObject(
          b -> b.bucket(settings.bucket()).key(name).contentLength((long) data.length),
          RequestBody.fromBytes(data));
    } catch (SdkException e) {
      throw failure("store", key, e);
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    String name = name(key);
    try {
      return client.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(name)).asByteArray();
    } catch (NoSuchKeyException e) {
      throw new NoSuchObjectException(describe(), key);
    } catch (SdkException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    String name = name(key);
    try {
      client.headObject(b -> b.bucket(settings.bucket()).key(name));
      return true;
    } catch (AwsServiceException e) {
      // A HEAD answer has no body, so a missing key shows only as its status.
      if (e.statusCode() == 404) {
        return false;
      }
      throw failure("look up", key, e);
    } catch (SdkException e) {
      throw failure("look up", key, e);
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    ObjectKeys.checkPrefix(prefix);
    ListObjectsV2Request request =
        ListObjectsV2Request.builder()
            .bucket(settings.bucket())
            .prefix(keyPrefix + prefix)
            .maxKeys(settings.pageSize())
            .build();
    List<String> keys = new ArrayList<>();
    try {
      // The paginator follows continuation tokens until the listing is complete.
      for (S3Object object : client.listObjectsV2Paginator(request).contents()) {
        keys.add(object.key().substring(keyPrefix.length()));
      }
    } catch (SdkException e) {
      throw failure("list", prefix + "*", e);
    }
    // S3 lists in UTF-8 byte order, which for the ASCII keys ObjectKeys allows is String order;
    // sorting again costs little and keeps the contract even against a lax S3-compatible server.
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    String name = name(key);
    try {
      client.deleteObject(b -> b.bucket(settings.bucket()).key(name));
    } catch (SdkException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public String describe() {
    return settings.describe();
  }

  @Override
  public void close() {
    client.close();
  }

  private String name(String key) {
    return keyPrefix + ObjectKeys.check(key);
  }

  /**
   * Turns an SDK failure into an IOException that names the bucket, where it is, the key and what
   * went wrong, in the words an operator needs: access denied, a missing bucket, an unreachable
   * server.
   */
  private IOException failure(String action, String key, SdkException e) {
    String forKey = key == null ? " while trying to " + action : " for key '" + key + "'";
    String target = key == null ? "" : " key '" + key + "'";
    String what;
    if (e instanceof AwsServiceException service) {
      String code =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
      String message =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
      int status = service.statusCode();
      if (status == 403) {
        what = "access denied (403" + (code == null ? "" : " " + code) + ")" + forKey;
      } else if ("NoSuchBucket".equals(code)) {
        what = "the bucket does not exist (404 NoSuchBucket)" + forKey;
      } else {
        what =
            "cannot "
                + action
                + target
                + ": "
                + status
                + (code == null ? "" : " " + code)
                + (message == null ? "" : " " + message)
                + Causes.gaveUp(status, settings.retries());
      }
    } else {
      what = "cannot " + action + target + ": " + Causes.describe(e);
    }
    return new IOException(describe() + ": " + what, e);
  }
}
