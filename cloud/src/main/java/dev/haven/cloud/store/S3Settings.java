package dev.haven.cloud.store;

import java.net.URI;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Where and how to reach an S3 bucket, read from {@code s3://bucket[/prefix][?options]}.
 *
 * <p>Options: {@code endpoint} (an S3-compatible server such as {@code http://127.0.0.1:9000};
 * without it, AWS itself), {@code region} (else {@code HAVEN_S3_REGION}, {@code AWS_REGION}, or
 * {@code us-east-1}), {@code pathStyle} (default: true when an endpoint is given), {@code
 * accessKey} and {@code secretKey} (else {@code HAVEN_S3_ACCESS_KEY} and {@code
 * HAVEN_S3_SECRET_KEY} from the environment, else the AWS SDK's default provider chain), {@code
 * create} (create the bucket when it is missing; default false), {@code pageSize} (keys per list
 * request, default 1000), and the {@link RetrySettings} options.
 */
record S3Settings(
    String bucket,
    String prefix,
    URI endpoint,
    String region,
    boolean pathStyle,
    AwsCredentialsProvider credentials,
    boolean create,
    int pageSize,
    RetrySettings retries) {

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Set<String> OPTIONS = new HashSet<>(RetrySettings.OPTIONS);

  static {
    OPTIONS.addAll(
        Set.of("endpoint", "region", "pathStyle", "accessKey", "secretKey", "create", "pageSize"));
  }

  static S3Settings parse(String location, Map<String, String> env) {
    StoreLocation parsed = StoreLocation.parse(location, OPTIONS);
    if (!BUCKET.matcher(parsed.name()).matches()) {
      throw new IllegalArgumentException(
          "s3 bucket name '"
              + parsed.name()
              + "' must be 3 to 63 lower-case letters, digits, dots and hyphens");
    }
    URI endpoint = null;
    String endpointOption = parsed.option("endpoint");
    if (endpointOption != null) {
      endpoint = URI.create(endpointOption);
      if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
          || endpoint.getHost() == null) {
        throw new IllegalArgumentException(
            "s3 endpoint '" + endpointOption + "' must be an http:// or https:// address");
      }
    }
    String region =
        firstOf(parsed.option("region"), env.get("HAVEN_S3_REGION"), env.get("AWS_REGION"));
    return new S3Settings(
        parsed.name(),
        parsed.prefix(),
        endpoint,
        region == null ? "us-east-1" : region,
        parsed.booleanOption("pathStyle", endpoint != null),
        credentials(parsed, env),
        parsed.booleanOption("create", false),
        parsed.intOption("pageSize", 1000, 1, 1000),
        RetrySettings.from(parsed));
  }

  private static AwsCredentialsProvider credentials(StoreLocation parsed, Map<String, String> env) {
    String accessKey = parsed.option("accessKey");
    String secretKey = parsed.option("secretKey");
    if (accessKey == null && secretKey == null) {
      accessKey = env.get("HAVEN_S3_ACCESS_KEY");
      secretKey = env.get("HAVEN_S3_SECRET_KEY");
      if (accessKey == null && secretKey == null) {
        return DefaultCredentialsProvider.builder().build();
      }
    }
    if (accessKey == null || secretKey == null) {
      throw new IllegalArgumentException(
          "s3 credentials need both an access key and a secret key (accessKey and secretKey, or"
              + " HAVEN_S3_ACCESS_KEY and HAVEN_S3_SECRET_KEY)");
    }
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
  }

  private static String firstOf(String... values) {
    for (String value : values) {
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return describe();
  }

  /** What and where the bucket is, for messages; never holds a credential. */
  String describe() {
    return "s3 bucket "
        + bucket
        + (prefix.isEmpty() ? "" : " (prefix " + prefix + "/)")
        + (endpoint == null ? " in " + region : " at " + endpoint);
  }
}
