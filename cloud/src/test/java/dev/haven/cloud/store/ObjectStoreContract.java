package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ObjectStore} backend must do. A backend's test extends this and says how to
 * open a fresh, empty store.
 */
abstract class ObjectStoreContract {
  protected ObjectStore store;

  /** Opens an empty store for one test. */
  protected abstract ObjectStore open() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  @Test
  void R6_anObjectReadsBackByteForByte() throws Exception {
    byte[] data = new byte[3 << 20];
    new Random(7).nextBytes(data);
    store.put("items/a/base/000001", data);
    assertThat(store.get("items/a/base/000001")).isEqualTo(data);
    assertThat(store.exists("items/a/base/000001")).isTrue();
  }

  @Test
  void aPutReplacesTheObject() throws Exception {
    store.put("k", new byte[] {1});
    store.put("k", new byte[] {2, 3});
    assertThat(store.get("k")).containsExactly(2, 3);
  }

  @Test
  void anEmptyObjectIsAnObject() throws Exception {
    store.put("empty", new byte[0]);
    assertThat(store.get("empty")).isEmpty();
    assertThat(store.list("")).containsExactly("empty");
  }

  @Test
  void aMissingObjectIsNamedInTheError() throws Exception {
    assertThat(store.exists("nope")).isFalse();
    assertThatThrownBy(() -> store.get("items/x/nope"))
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining("items/x/nope");
  }

  @Test
  void listReturnsKeysUnderAPrefixInOrder() throws Exception {
    store.put("items/b/points/2", new byte[1]);
    store.put("items/a/points/10", new byte[1]);
    store.put("items/a/points/1", new byte[1]);
    store.put("items/a/base/1", new byte[1]);
    store.put("items/ab", new byte[1]);
    assertThat(store.list("items/a/points/"))
        .containsExactly("items/a/points/1", "items/a/points/10");
    assertThat(store.list("items/a/"))
        .containsExactly("items/a/base/1", "items/a/points/1", "items/a/points/10");
    assertThat(store.list("items/a")).contains("items/ab").hasSize(4);
    assertThat(store.list("items/zzz/")).isEmpty();
  }

  @Test
  void deleteIsIdempotent() throws Exception {
    store.put("items/a/x", new byte[] {9});
    store.delete("items/a/x");
    store.delete("items/a/x");
    assertThat(store.exists("items/a/x")).isFalse();
    assertThat(store.list("items/")).isEmpty();
  }

  @Test
  void keysThatCouldEscapeAreRefused() {
    assertThatThrownBy(() -> store.put("../escape", new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.put("/abs", new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.put("a//b", new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.get("a/../b")).isInstanceOf(IllegalArgumentException.class);
  }
}
