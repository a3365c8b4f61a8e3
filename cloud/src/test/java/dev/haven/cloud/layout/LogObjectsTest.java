package dev.haven.cloud.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogObjectsTest {
  @Test
  void R6_largeLogsSplitIntoPartsThatReplayToTheSameExtents() {
    Random random = new Random(3);
    List<Extent> extents = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] data = new byte[1000 + random.nextInt(20000)];
      random.nextBytes(data);
      extents.add(Extent.of(random.nextInt(1 << 20), data));
    }
    extents.add(Extent.zeros(4096, 1 << 20));
    List<byte[]> parts = LogObjects.encode(extents, 64 << 10);
    assertThat(parts).hasSizeGreaterThan(5);
    assertThat(parts).allMatch(p -> p.length <= 64 << 10);
    byte[] expected = new byte[3 << 20];
    byte[] actual = new byte[3 << 20];
    extents.forEach(e -> apply(expected, e));
    for (byte[] part : parts) {
      LogObjects.forEach("k", part, e -> apply(actual, e));
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void R6_aMalformedLogIsRefusedNamingIt() {
    assertThatThrownBy(() -> LogObjects.forEach("items/a/log", new byte[] {1, 2, 3, 4}, e -> {}))
        .hasMessageContaining("'items/a/log'");
    byte[] part = LogObjects.encode(List.of(Extent.of(0, new byte[100])), 4096).get(0);
    byte[] cut = java.util.Arrays.copyOf(part, part.length - 1);
    assertThatThrownBy(() -> LogObjects.forEach("items/a/log", cut, e -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void apply(byte[] disk, Extent e) {
    if (e.zero()) {
      java.util.Arrays.fill(disk, (int) e.offset(), (int) e.offset() + e.length(), (byte) 0);
    } else {
      System.arraycopy(e.data(), 0, disk, (int) e.offset(), e.length());
    }
  }
}
