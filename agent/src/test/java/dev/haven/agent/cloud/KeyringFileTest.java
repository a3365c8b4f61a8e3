package dev.haven.agent.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.PreconditionException;
import dev.haven.cloud.crypto.VaultKeyring;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent's keyring file is read once, and again only when a rotation has replaced it. */
class KeyringFileTest {
  @TempDir Path dir;

  @Test
  void R6_keyringIsReadOnceAndAgainOnlyWhenTheFileChanges() throws Exception {
    Path file = dir.resolve("vault.keyring");
    VaultKeyring first = VaultKeyring.loadOrCreate(file);
    KeyringFile keyring = new KeyringFile(file);

    VaultKeyring loaded = keyring.keyring();
    assertThat(loaded.currentId()).isEqualTo(first.currentId());
    assertThat(keyring.keyring()).as("unchanged file: no second read").isSameAs(loaded);

    VaultKeyring rotated = first.withNewCurrentKey();
    rotated.save(file);
    VaultKeyring reloaded = keyring.keyring();
    assertThat(reloaded).isNotSameAs(loaded);
    assertThat(reloaded.currentId()).isEqualTo(rotated.currentId());
    assertThat(reloaded.current().getEncoded()).isEqualTo(rotated.current().getEncoded());
    assertThat(reloaded.ids()).containsExactly(first.currentId(), rotated.currentId());
    assertThat(keyring.keyring()).isSameAs(reloaded);
  }

  @Test
  void R6_anAgentWithoutItsKeyringFileSaysWhereItLooked() throws Exception {
    Path file = dir.resolve("absent.keyring");
    assertThatThrownBy(() -> new KeyringFile(file).keyring())
        .isInstanceOf(PreconditionException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("vaultKeyring");

    Files.writeString(file, "current k1\n");
    assertThatThrownBy(() -> new KeyringFile(file).keyring())
        .hasMessageContaining(file.toString())
        .hasMessageContaining("no current key");
  }
}
