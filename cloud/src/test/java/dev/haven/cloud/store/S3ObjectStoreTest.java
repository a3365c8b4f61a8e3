package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 backend against a real S3 server (s3proxy) on a loopback port: the contract every backend
 * passes, paging and prefixes ({@link RemoteObjectStoreContract}), then what is S3's own:
 * credentials, missing buckets, and a server that goes away and comes back.
 */
class S3ObjectStoreTest extends RemoteObjectStoreContract {
  @TempDir static Path serverDir;
  private static S3ProxyServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3ProxyServer.start(serverDir);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected ChildServer server() {
    return server;
  }

  @Override
  protected String containerKind() {
    return "s3 bucket";
  }

  @Test
  void wrongCredentialsAreRefusedNamingTheBucketAndServerButNotTheSecret() throws Exception {
    String bucket = newContainer();
    ObjectStores.open(server.location(bucket, "create=true"), Map.of()).close();
    String wrong =
        "s3://"
            + bucket
            + "?endpoint="
            + server.endpoint()
            + "&accessKey="
            + S3ProxyServer.ACCESS_KEY
            + "&secretKey=not-the-secret-xyz";
    assertThatThrownBy(() -> ObjectStores.open(wrong, Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("s3 bucket " + bucket + " at " + server.endpoint())
        .hasMessageContaining("access denied (403")
        .hasMessageNotContaining("not-the-secret-xyz");
  }

  @Test
  void credentialsComeFromTheEnvironmentWhenTheLocationHasNone() throws Exception {
    String bucket = newContainer();
    String location = "s3://" + bucket + "?endpoint=" + server.endpoint() + "&create=true";
    Map<String, String> env =
        Map.of(
            "HAVEN_S3_ACCESS_KEY", S3ProxyServer.ACCESS_KEY,
            "HAVEN_S3_SECRET_KEY", S3ProxyServer.SECRET_KEY);
    try (ObjectStore store = ObjectStores.open(location, env)) {
      store.put("k", new byte[] {5});
      assertThat(store.get("k")).containsExactly(5);
    }
  }

  @Test
  void badLocationsAreRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> ObjectStores.open(server.location("Bad_Bucket", ""), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bucket name");
    assertThatThrownBy(() -> ObjectStores.open(server.location("haven", "colour=blue"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'colour'");
    assertThatThrownBy(
            () ->
                ObjectStores.open("s3://haven?endpoint=ftp://x&accessKey=a&secretKey=b", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> ObjectStores.open("s3://haven?accessKey=only", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both an access key and a secret key");
    assertThatThrownBy(() -> ObjectStores.open(server.location("haven", "attempts=0"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attempts");
  }

  @Test
  void R6_unavailableAnswersAreRetried() throws Exception {
    try (LoopbackProxy proxy = new LoopbackProxy(server.port())) {
      proxy.answerUnavailable(2);
      String location =
          locationVia(proxy, newContainer(), "create=true&attempts=3&backoffMs=10&maxBackoffMs=50");
      try (ObjectStore store = ObjectStores.open(location, Map.of())) {
        store.put("k", new byte[] {7});
        assertThat(store.get("k")).containsExactly(7);
      }
      assertThat(proxy.unavailableAnswers()).isEqualTo(2);
    }
  }

  @Test
  void aServerThatStaysUnavailableFailsAfterTheLastTry() throws Exception {
    try (LoopbackProxy proxy = new LoopbackProxy(server.port())) {
      proxy.answerUnavailable(100);
      String bucket = newContainer();
      String location =
          locationVia(proxy, bucket, "create=true&attempts=3&backoffMs=10&maxBackoffMs=50");
      assertThatThrownBy(() -> ObjectStores.open(location, Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("s3 bucket " + bucket + " at http://127.0.0.1:" + proxy.port())
          .hasMessageContaining("503")
          .hasMessageContaining("gave up after 3 tries");
      assertThat(proxy.unavailableAnswers()).isEqualTo(3);
    }
  }

  @Test
  void aServerGoneMidCallIsAnIOExceptionNamingTheBackendAndKey(@TempDir Path dir) throws Exception {
    try (S3ProxyServer own = S3ProxyServer.start(dir);
        LoopbackProxy proxy = new LoopbackProxy(own.port())) {
      String location = locationVia(proxy, "haven", "create=true&attempts=1");
      try (ObjectStore store = ObjectStores.open(location, Map.of())) {
        store.put("items/a/base/1", new byte[] {1, 2, 3});
        own.stop();

        // The relay takes the connection and then drops it, as the server dies under the call.
        assertThatThrownBy(() -> store.get("items/a/base/1"))
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(NoSuchObjectException.class)
            .hasMessageContaining("s3 bucket haven at http://127.0.0.1:" + proxy.port())
            .hasMessageContaining("items/a/base/1");
        assertThatThrownBy(() -> store.put("items/a/base/2", new byte[] {4}))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("s3 bucket haven")
            .hasMessageContaining("items/a/base/2");
        assertThat(proxy.dropped()).isGreaterThanOrEqualTo(2);

        own.start();
        assertThat(store.get("items/a/base/1")).containsExactly(1, 2, 3);
      }
    }
  }

  @Test
  void R6_aPutRidesOutAServerRestartByRetryingWithBackoff(@TempDir Path dir) throws Exception {
    try (S3ProxyServer own = S3ProxyServer.start(dir);
        LoopbackProxy proxy = new LoopbackProxy(own.port())) {
      String location =
          locationVia(proxy, "haven", "create=true&attempts=40&backoffMs=50&maxBackoffMs=1000");
      byte[] data = new byte[2 << 20];
      new Random(11).nextBytes(data);
      try (ObjectStore store = ObjectStores.open(location, Map.of())) {
        own.stop();
        CompletableFuture<Void> put =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    store.put("items/a/base/000001", data);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
        // Two failed tries prove the call is retrying; then the server comes back.
        Await.until(() -> proxy.dropped() >= 2, "two failed tries of the put");
        assertThat(put).isNotDone();
        own.start();
        put.get(120, TimeUnit.SECONDS);
        assertThat(store.get("items/a/base/000001")).isEqualTo(data);
      }
      assertThat(Files.exists(dir.resolve("blobs/haven/items/a/base/000001"))).isTrue();
    }
  }

  /** A location for {@code bucket} reached through {@code proxy}, with the server's keys. */
  private static String locationVia(LoopbackProxy proxy, String bucket, String extra) {
    return "s3://"
        + bucket
        + "?endpoint=http://127.0.0.1:"
        + proxy.port()
        + "&accessKey="
        + S3ProxyServer.ACCESS_KEY
        + "&secretKey="
        + S3ProxyServer.SECRET_KEY
        + "&"
        + extra;
  }
}
