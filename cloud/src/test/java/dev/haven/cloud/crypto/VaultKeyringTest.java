package dev.haven.cloud.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultKeyringTest {
  @TempDir Path dir;

  @Test
  void R6_keyringIsCreatedOnceOwnerOnlyAndReadBack() throws Exception {
    Path file = dir.resolve("vault.keyring");
    VaultKeyring created = VaultKeyring.loadOrCreate(file);
    VaultKeyring again = VaultKeyring.loadOrCreate(file);
    assertThat(again.currentId()).isEqualTo("k1");
    assertThat(again.current().getEncoded()).isEqualTo(created.current().getEncoded());
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void R6_newKeyBecomesCurrentAndOldOnesStay() throws Exception {
    VaultKeyring one = VaultKeyring.generate();
    VaultKeyring two = one.withNewCurrentKey();
    assertThat(two.currentId()).isEqualTo("k2");
    assertThat(two.key("k1").getEncoded()).isEqualTo(one.current().getEncoded());
    assertThatThrownBy(() -> two.without("k2")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> two.without("k1").key("k1")).hasMessageContaining("holds no key 'k1'");
  }

  @Test
  void R6_malformedKeyringIsAClearError() throws Exception {
    Path file = dir.resolve("bad.keyring");
    Files.writeString(file, "current k1\nkey k1 notbase64!!\n");
    assertThatThrownBy(() -> VaultKeyring.load(file)).hasMessageContaining("bad.keyring line 2");
    Files.writeString(file, "current k9\n");
    assertThatThrownBy(() -> VaultKeyring.load(file)).hasMessageContaining("no current key");
  }
}
