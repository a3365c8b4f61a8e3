package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class StoreLocationTest {
  private static final Set<String> KNOWN = Set.of("endpoint", "key", "create", "attempts");

  @Test
  void bucketPrefixAndOptionsAreReadBack() {
    StoreLocation location =
        StoreLocation.parse(
            "s3://haven/sites/a/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&create=true", KNOWN);
    assertThat(location.scheme()).isEqualTo("s3");
    assertThat(location.name()).isEqualTo("haven");
    assertThat(location.prefix()).isEqualTo("sites/a");
    assertThat(location.option("endpoint")).isEqualTo("http://127.0.0.1:9000");
    assertThat(location.booleanOption("create", false)).isTrue();
    assertThat(location.option("key")).isNull();
    assertThat(location.intOption("attempts", 4, 1, 100)).isEqualTo(4);
  }

  @Test
  void aPlusInABase64KeyStaysAPlus() {
    StoreLocation location = StoreLocation.parse("azure://c?key=ab+c/d%2Be==", KNOWN);
    assertThat(location.option("key")).isEqualTo("ab+c/d+e==");
  }

  @Test
  void badOptionsAndPrefixesAreRefusedWithoutEchoingValues() {
    assertThatThrownBy(() -> StoreLocation.parse("s3://b?secretKey=hunter2", KNOWN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'secretKey'")
        .hasMessageContaining("known options: attempts, create, endpoint, key")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> StoreLocation.parse("s3://b/a/../x", KNOWN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> StoreLocation.parse("s3://b?create=yes", KNOWN).booleanOption("create", false))
        .hasMessageContaining("create=yes must be true or false");
    assertThatThrownBy(
            () -> StoreLocation.parse("s3://b?attempts=0", KNOWN).intOption("attempts", 4, 1, 100))
        .hasMessageContaining("[1, 100]");
    assertThatThrownBy(() -> StoreLocation.parse("s3:///nobucket", KNOWN))
        .hasMessageContaining("bucket or container name");
  }

  @Test
  void redactingDropsTheQueryWithItsCredentials() {
    assertThat(StoreLocation.redact("s3://b/p?accessKey=a&secretKey=s")).isEqualTo("s3://b/p?…");
    assertThat(StoreLocation.redact("s3://b/p")).isEqualTo("s3://b/p");
  }
}
