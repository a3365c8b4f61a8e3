package dev.haven.cloud.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ObjectSealerTest {
  private final ObjectSealer sealer = new ObjectSealer(VaultKeyring.randomKey());

  @Test
  void R6_randomDataIsStoredRawWithThirtyBytesOverhead() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(1).nextBytes(data);
    byte[] sealed = sealer.seal("items/a/x", data);
    assertThat(sealed.length).isEqualTo(data.length + ObjectSealer.OVERHEAD);
    assertThat(sealed[1]).isEqualTo((byte) 0);
    assertThat(sealer.open("items/a/x", sealed)).isEqualTo(data);
  }

  @Test
  void R6_compressibleDataIsStoredCompressed() throws Exception {
    byte[] data = "a guest's text file, again and again. ".repeat(30000).getBytes();
    byte[] sealed = sealer.seal("items/a/x", data);
    assertThat(sealed.length).isLessThan(data.length / 10);
    assertThat(sealed[1]).isEqualTo((byte) 1);
    assertThat(sealer.open("items/a/x", sealed)).isEqualTo(data);
  }

  @Test
  void R6_aFreshNonceEveryTime() {
    byte[] data = "same".getBytes(StandardCharsets.UTF_8);
    assertThat(sealer.seal("items/a/x", data)).isNotEqualTo(sealer.seal("items/a/x", data));
  }

  @Test
  void R6_wrongKeyIsRefusedNamingTheObject() {
    byte[] sealed = sealer.seal("items/a/x", new byte[100]);
    ObjectSealer other = new ObjectSealer(VaultKeyring.randomKey());
    assertThatThrownBy(() -> other.open("items/a/x", sealed))
        .isInstanceOf(ObjectRefusedException.class)
        .hasMessageContaining("object 'items/a/x' refused")
        .hasMessageContaining("authentication failed");
  }

  @Test
  void R6_tamperedOrMovedOrRecodedObjectIsRefused() {
    byte[] data = new byte[100];
    new Random(2).nextBytes(data);
    byte[] sealed = sealer.seal("items/a/x", data);
    byte[] tampered = sealed.clone();
    tampered[50] ^= 1;
    assertThatThrownBy(() -> sealer.open("items/a/x", tampered))
        .isInstanceOf(ObjectRefusedException.class);
    assertThatThrownBy(() -> sealer.open("items/a/y", sealed))
        .isInstanceOf(ObjectRefusedException.class)
        .hasMessageContaining("'items/a/y'");
    byte[] recoded = sealed.clone();
    recoded[1] = (byte) (1 - sealed[1]);
    assertThatThrownBy(() -> sealer.open("items/a/x", recoded))
        .isInstanceOf(ObjectRefusedException.class);
    assertThatThrownBy(() -> sealer.open("items/a/x", new byte[5]))
        .isInstanceOf(ObjectRefusedException.class)
        .hasMessageContaining("too short");
  }
}
