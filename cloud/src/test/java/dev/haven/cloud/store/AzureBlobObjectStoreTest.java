package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
 * The Azure Blob backend against a real Blob service (Azurite) on a loopback port: the contract
 * every backend passes, paging and prefixes ({@link RemoteObjectStoreContract}), then what is
 * Azure's own: keys and connection strings, missing containers, and a service that goes away and
 * comes back.
 */
class AzureBlobObjectStoreTest extends RemoteObjectStoreContract {
  @TempDir static Path serverDir;
  private static AzuriteServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = AzuriteServer.start(serverDir);
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
    return "azure container";
  }

  @Test
  void aWrongKeyIsRefusedNamingTheContainerAndServiceButNotTheKey() throws Exception {
    String container = newContainer();
    ObjectStores.open(server.location(container, "create=true"), Map.of()).close();
    String wrongKey = KEY_OF_ZEROS;
    String wrong =
        "azure://"
            + container
            + "?endpoint="
            + server.endpoint()
            + "&account="
            + AzuriteServer.ACCOUNT
            + "&key="
            + URLEncoder.encode(wrongKey, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ObjectStores.open(wrong, Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("azure container " + container + " at " + server.endpoint())
        .hasMessageContaining("access denied (403")
        .hasMessageNotContaining(wrongKey);
  }

  private static final String KEY_OF_ZEROS =
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

  @Test
  void credentialsComeFromTheEnvironmentWhenTheLocationHasNone() throws Exception {
    String container = newContainer();
    Map<String, String> env =
        Map.of(
            "HAVEN_AZURE_CONNECTION_STRING",
            "DefaultEndpointsProtocol=http;AccountName="
                + AzuriteServer.ACCOUNT
                + ";AccountKey="
                + AzuriteServer.KEY
                + ";BlobEndpoint="
                + server.endpoint()
                + ";");
    try (ObjectStore store = ObjectStores.open("azure://" + container + "?create=true", env)) {
      store.put("k", new byte[] {5});
      assertThat(store.get("k")).containsExactly(5);
      assertThat(store.describe()).contains(server.endpoint()).doesNotContain(AzuriteServer.KEY);
    }
    Map<String, String> accountEnv =
        Map.of("HAVEN_AZURE_ACCOUNT", AzuriteServer.ACCOUNT, "HAVEN_AZURE_KEY", AzuriteServer.KEY);
    try (ObjectStore store =
        ObjectStores.open("azure://" + container + "?endpoint=" + server.endpoint(), accountEnv)) {
      assertThat(store.get("k")).containsExactly(5);
    }
  }

  @Test
  void badLocationsAreRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> ObjectStores.open(server.location("Bad--Name", ""), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("container name");
    assertThatThrownBy(() -> ObjectStores.open(server.location("haven", "colour=blue"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'colour'");
    assertThatThrownBy(() -> ObjectStores.open("azure://haven", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HAVEN_AZURE_CONNECTION_STRING");
    assertThatThrownBy(() -> ObjectStores.open("azure://haven?account=a", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both an account name and its key");
  }

  @Test
  void R6_unavailableAnswersAreRetried() throws Exception {
    try (LoopbackProxy proxy = new LoopbackProxy(server.port())) {
      proxy.answerUnavailable(2);
      String endpoint = "http://127.0.0.1:" + proxy.port() + "/" + AzuriteServer.ACCOUNT;
      try (ObjectStore store =
          ObjectStores.open(
              locationVia(endpoint, "create=true&attempts=3&backoffMs=10&maxBackoffMs=50"),
              Map.of())) {
        store.put("k", new byte[] {7});
        assertThat(store.get("k")).containsExactly(7);
      }
      assertThat(proxy.unavailableAnswers()).isEqualTo(2);
    }
  }

  @Test
  void aServiceThatStaysUnavailableFailsAfterTheLastTry() throws Exception {
    try (LoopbackProxy proxy = new LoopbackProxy(server.port())) {
      proxy.answerUnavailable(100);
      String endpoint = "http://127.0.0.1:" + proxy.port() + "/" + AzuriteServer.ACCOUNT;
      String location =
          locationVia(endpoint, "create=true&attempts=3&backoffMs=10&maxBackoffMs=50");
      assertThatThrownBy(() -> ObjectStores.open(location, Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("azure container haven at " + endpoint)
          .hasMessageContaining("503")
          .hasMessageContaining("gave up after 3 tries");
      assertThat(proxy.unavailableAnswers()).isEqualTo(3);
    }
  }

  @Test
  void aServiceGoneMidCallIsAnIOExceptionNamingTheBackendAndKey(@TempDir Path dir)
      throws Exception {
    try (AzuriteServer own = AzuriteServer.start(dir);
        LoopbackProxy proxy = new LoopbackProxy(own.port())) {
      String endpoint = "http://127.0.0.1:" + proxy.port() + "/" + AzuriteServer.ACCOUNT;
      String location = locationVia(endpoint, "create=true&attempts=1");
      try (ObjectStore store = ObjectStores.open(location, Map.of())) {
        store.put("items/a/base/1", new byte[] {1, 2, 3});
        own.stop();

        assertThatThrownBy(() -> store.get("items/a/base/1"))
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(NoSuchObjectException.class)
            .hasMessageContaining("azure container haven at " + endpoint)
            .hasMessageContaining("items/a/base/1");
        assertThatThrownBy(() -> store.put("items/a/base/2", new byte[] {4}))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("azure container haven")
            .hasMessageContaining("items/a/base/2");
        assertThat(proxy.dropped()).isGreaterThanOrEqualTo(2);

        own.start();
        assertThat(store.get("items/a/base/1")).containsExactly(1, 2, 3);
      }
    }
  }

  @Test
  void R6_aPutRidesOutAServiceRestartByRetryingWithBackoff(@TempDir Path dir) throws Exception {
    try (AzuriteServer own = AzuriteServer.start(dir);
        LoopbackProxy proxy = new LoopbackProxy(own.port())) {
      String endpoint = "http://127.0.0.1:" + proxy.port() + "/" + AzuriteServer.ACCOUNT;
      String location =
          locationVia(endpoint, "create=true&attempts=40&backoffMs=50&maxBackoffMs=1000");
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
        // Two failed tries prove the call is retrying; then the service comes back.
        Await.until(() -> proxy.dropped() >= 2, "two failed tries of the put");
        assertThat(put).isNotDone();
        own.start();
        put.get(120, TimeUnit.SECONDS);
        assertThat(store.get("items/a/base/000001")).isEqualTo(data);
      }
    }
  }

  private static String locationVia(String endpoint, String extra) {
    return "azure://haven?endpoint="
        + endpoint
        + "&account="
        + AzuriteServer.ACCOUNT
        + "&key="
        + URLEncoder.encode(AzuriteServer.KEY, StandardCharsets.UTF_8)
        + "&"
        + extra;
  }
}
