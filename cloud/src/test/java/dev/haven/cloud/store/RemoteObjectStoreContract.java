package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every backend on a storage service (S3, Azure Blob) does beyond the {@link
 * ObjectStoreContract}: list through every page, and keep each site to its own prefix of a shared
 * bucket or container. A test extends this and says which server it runs against.
 */
abstract class RemoteObjectStoreContract extends ObjectStoreContract {
  private static final AtomicInteger containers = new AtomicInteger();

  /** The server the test started (once for the class). */
  protected abstract ChildServer server();

  /**
   * How the backend's errors name a bucket or container: {@code s3 bucket}, {@code azure
   * container}.
   */
  protected abstract String containerKind();

  /** A name for a bucket or container no test used yet. */
  protected static String newContainer() {
    return "haven-" + containers.incrementAndGet();
  }

  @Override
  protected ObjectStore open() throws Exception {
    return ObjectStores.open(server().location(newContainer(), "create=true"), Map.of());
  }

  @Test
  void aMissingContainerIsAClearErrorUnlessTheLocationAsksToCreateIt() throws Exception {
    String container = newContainer();
    assertThatThrownBy(() -> ObjectStores.open(server().location(container, ""), Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(containerKind() + " " + container)
        .hasMessageContaining("does not exist")
        .hasMessageContaining("create=true");
    try (ObjectStore created =
        ObjectStores.open(server().location(container, "create=true"), Map.of())) {
      assertThat(created.list("")).isEmpty();
    }
    try (ObjectStore existing = ObjectStores.open(server().location(container, ""), Map.of())) {
      assertThat(existing.list("")).isEmpty();
    }
  }

  @Test
  void R6_listPagesThroughEveryKey() throws Exception {
    try (ObjectStore paged =
        ObjectStores.open(server().location(newContainer(), "create=true&pageSize=3"), Map.of())) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 11; i++) {
        keys.add(String.format("items/a/points/%03d", i));
      }
      for (String key : keys) {
        paged.put(key, key.getBytes());
      }
      paged.put("items/b/other", new byte[1]);
      assertThat(paged.list("items/a/")).containsExactlyElementsOf(keys);
      assertThat(paged.list("")).hasSize(12);
    }
  }

  @Test
  void R6_aPrefixKeepsEachSiteToItsOwnPartOfTheContainer() throws Exception {
    String container = newContainer();
    byte[] data = new byte[1000];
    new Random(3).nextBytes(data);
    try (ObjectStore whole =
            ObjectStores.open(server().location(container, "create=true"), Map.of());
        ObjectStore siteA =
            ObjectStores.open(server().location(container + "/sites/a", ""), Map.of());
        ObjectStore siteB =
            ObjectStores.open(server().location(container + "/sites/b", ""), Map.of())) {
      siteA.put("items/x/base/1", data);
      siteB.put("items/y/base/1", new byte[] {1});

      assertThat(siteA.list("")).containsExactly("items/x/base/1");
      assertThat(siteB.list("items/")).containsExactly("items/y/base/1");
      assertThat(siteA.exists("items/y/base/1")).isFalse();
      assertThat(whole.list(""))
          .containsExactly("sites/a/items/x/base/1", "sites/b/items/y/base/1");
      assertThat(whole.get("sites/a/items/x/base/1")).isEqualTo(data);
      assertThat(siteA.describe()).contains("haven-").contains("prefix sites/a/");
    }
  }
}
