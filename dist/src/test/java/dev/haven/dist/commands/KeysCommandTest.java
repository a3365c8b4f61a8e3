package dev.haven.dist.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.cloud.crypto.DataKeys;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.replica.CloudReplica;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import dev.haven.dist.CloudObjects;
import dev.haven.dist.keys.KeyringLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code haven keys} over real folder stores holding protected items' wrapped data keys and objects
 * sealed with them: every data key stays readable across interrupted and repeated rotations, bad
 * input changes nothing, and key material is never printed.
 */
class KeysCommandTest {
  private static final List<String> ITEMS = List.of("item-a", "item-b", "item-c", "item-d");

  @TempDir Path dir;
  private Path keyring;
  private Path storeDir;
  private String storage;

  @BeforeEach
  void setUp() throws Exception {
    keyring = dir.resolve("vault.keyring");
    storeDir = dir.resolve("cloud-storage");
    storage = storeDir.toUri().toString();
    VaultKeyring keys = VaultKeyring.loadOrCreate(keyring);
    try (ObjectStore store = ObjectStores.open(storage)) {
      for (String item : ITEMS) {
        CloudReplica.open(store, keys, item).putSealed(sealedKey(item), plaintext(item));
      }
    }
  }

  @Test
  void R6_aRotationInterruptedMidwayIsFinishedByRunningItAgain() throws Exception {
    // A crash after the new key was saved and half the data keys were rewrapped.
    VaultKeyring rotated = VaultKeyring.load(keyring).withNewCurrentKey();
    rotated.save(keyring);
    try (ObjectStore store = ObjectStores.open(storage)) {
      for (String item : ITEMS.subList(0, 2)) {
        String key = CloudKeys.dataKey(item);
        SecretKey dataKey = DataKeys.load(store, key, rotated);
        store.put(key, DataKeys.wrap(key, dataKey, rotated));
      }
    }
    assertThat(wrappingKeys()).containsValues("k1", "k2");
    assertEveryItemReadsBack(VaultKeyring.load(keyring));

    String out = keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage);
    assertThat(out).contains("rotated 4 data keys in " + storage + " to key k3");
    assertThat(wrappingKeys().values()).containsOnly("k3");
    assertEveryItemReadsBack(VaultKeyring.load(keyring));

    // Again: a fresh key, every data key moved to it, nothing lost.
    out = keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage);
    assertThat(out).contains("rotated 4 data keys in " + storage + " to key k4");
    VaultKeyring now = VaultKeyring.load(keyring);
    assertThat(now.ids()).containsExactly("k1", "k2", "k3", "k4");
    assertThat(now.currentId()).isEqualTo("k4");
    assertEveryItemReadsBack(now);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring)))
        .isEqualTo("rw-------");
  }

  @Test
  void R6_retireOldRemovesTheKeysNoDataKeyUsesAndEveryItemStillReads() throws Exception {
    keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage);
    assertThat(VaultKeyring.load(keyring).ids()).containsExactly("k1", "k2");

    String out =
        keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage, "--retire-old");
    assertThat(out).contains("retired key k1").contains("retired key k2");
    VaultKeyring now = VaultKeyring.load(keyring);
    assertThat(now.ids()).containsExactly("k3");
    assertEveryItemReadsBack(now);

    // A retired id is never given to a new key.
    keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage);
    assertThat(VaultKeyring.load(keyring).ids()).containsExactly("k3", "k4");
  }

  @Test
  void R6_aDataKeyTheKeyringCannotUnwrapIsNamedAndNothingChanges() throws Exception {
    // item-x's data key is wrapped by another keyring's k3, which this keyring does not hold.
    VaultKeyring foreign = VaultKeyring.generate().withNewCurrentKey().withNewCurrentKey();
    String second = dir.resolve("second-store").toString();
    try (ObjectStore store = ObjectStores.open(second)) {
      CloudReplica.open(store, foreign, "item-x").putSealed(sealedKey("item-x"), new byte[] {1});
    }
    byte[] keyringBefore = Files.readAllBytes(keyring);
    Map<String, String> objectsBefore = CloudObjects.hashes(storage);

    String err =
        keysErr(
            1, "rotate", "--keyring", keyring.toString(), "--store", storage, "--store", second);
    assertThat(err).contains("item-x").contains("'k3'");
    assertThat(Files.readAllBytes(keyring)).isEqualTo(keyringBefore);
    assertThat(CloudObjects.hashes(storage)).isEqualTo(objectsBefore);

    // The same id as ours but other key material: refused as not unwrapping, also by item.
    try (ObjectStore store = ObjectStores.open(second)) {
      store.delete(CloudKeys.dataKey("item-x"));
      CloudReplica.open(store, VaultKeyring.generate(), "item-y")
          .putSealed(sealedKey("item-y"), new byte[] {2});
    }
    err =
        keysErr(
            1, "rotate", "--keyring", keyring.toString(), "--store", storage, "--store", second);
    assertThat(err).contains("item-y").contains("does not unwrap");
    assertThat(Files.readAllBytes(keyring)).isEqualTo(keyringBefore);
    assertThat(CloudObjects.hashes(storage)).isEqualTo(objectsBefore);
  }

  @Test
  void R6_aMissingKeyringOrStoreIsAClearErrorAndNothingChanges() throws Exception {
    byte[] keyringBefore = Files.readAllBytes(keyring);
    Map<String, String> objectsBefore = CloudObjects.hashes(storage);
    Path absent = dir.resolve("absent.keyring");

    assertThat(keysErr(1, "rotate", "--keyring", absent.toString(), "--store", storage))
        .contains("keyring " + absent + " does not exist");
    assertThat(Files.exists(absent)).isFalse();

    Path noFolder = dir.resolve("no-such-store");
    assertThat(
            keysErr(
                1,
                "rotate",
                "--keyring",
                keyring.toString(),
                "--store",
                storage,
                "--store",
                noFolder.toString()))
        .contains("object store " + noFolder + " does not exist");
    assertThat(Files.exists(noFolder)).isFalse();

    assertThat(keysErr(1, "rotate", "--keyring", keyring.toString(), "--store", "ftp://x/y"))
        .contains("unknown object store");

    Files.writeString(dir.resolve("bad.keyring"), "current k1\nkey k1 not-base64!\n");
    assertThat(
            keysErr(
                1,
                "rotate",
                "--keyring",
                dir.resolve("bad.keyring").toString(),
                "--store",
                storage))
        .contains("line 2");

    assertThat(Files.readAllBytes(keyring)).isEqualTo(keyringBefore);
    assertThat(CloudObjects.hashes(storage)).isEqualTo(objectsBefore);
  }

  @Test
  void R6_aSecondRotationWhileOneRunsStopsAtOnceAndChangesNothing() throws Exception {
    byte[] keyringBefore = Files.readAllBytes(keyring);
    Map<String, String> objectsBefore = CloudObjects.hashes(storage);
    // Another process holds the keyring's lock, as a rotation in progress does.
    Process holder = holdLock(KeyringLock.lockFile(keyring));
    try {
      assertThat(keysErr(1, "rotate", "--keyring", keyring.toString(), "--store", storage))
          .contains("another key rotation of " + keyring + " is running")
          .contains(KeyringLock.lockFile(keyring).toString());
      assertThat(Files.readAllBytes(keyring)).isEqualTo(keyringBefore);
      assertThat(CloudObjects.hashes(storage)).isEqualTo(objectsBefore);
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
    // Once it has ended (or died: the lock is the system's), rotation works.
    assertThat(keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage))
        .contains("rotated 4 data keys in " + storage + " to key k2");
    assertEveryItemReadsBack(VaultKeyring.load(keyring));
  }

  /** A separate JVM that locks {@code file} and holds it until its standard input closes. */
  private Process holdLock(Path file) throws Exception {
    Path source = dir.resolve("HoldLock.java");
    Files.writeString(
        source,
        "import java.nio.channels.FileChannel;\n"
            + "import java.nio.file.*;\n"
            + "public class HoldLock {\n"
            + "  public static void main(String[] a) throws Exception {\n"
            + "    try (FileChannel c = FileChannel.open(Path.of(a[0]),"
            + " StandardOpenOption.CREATE, StandardOpenOption.WRITE);"
            + " var l = c.lock()) {\n"
            + "      System.out.println(\"locked\");\n"
            + "      System.out.flush();\n"
            + "      System.in.read();\n"
            + "    }\n"
            + "  }\n"
            + "}\n");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(java, source.toString(), file.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String first =
        new java.io.BufferedReader(
                new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    assertThat(first).as("the lock holder's first line").isEqualTo("locked");
    return p;
  }

  @Test
  void R6_listNamesTheKeysAndTheirUseButNeverTheKeyMaterial() throws Exception {
    keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage);
    String out = keys(0, "list", "--keyring", keyring.toString());
    assertThat(out.lines()).containsExactly("k1", "k2 current");
    out = keys(0, "list", "--keyring", keyring.toString(), "--store", storage);
    assertThat(out.lines()).containsExactly("k1 wraps 0 data keys", "k2 current wraps 4 data keys");
    VaultKeyring keys = VaultKeyring.load(keyring);
    for (String id : keys.ids()) {
      assertThat(out).doesNotContain(Base64.getEncoder().encodeToString(keys.key(id).getEncoded()));
    }
  }

  private void assertEveryItemReadsBack(VaultKeyring keys) throws Exception {
    try (ObjectStore store = ObjectStores.open(storage)) {
      for (String item : ITEMS) {
        assertThat(CloudReplica.open(store, keys, item).getOpened(sealedKey(item)))
            .as(item)
            .isEqualTo(plaintext(item));
      }
    }
  }

  private Map<String, String> wrappingKeys() throws Exception {
    Map<String, String> byItem = new TreeMap<>();
    try (ObjectStore store = ObjectStores.open(storage)) {
      for (String item : ITEMS) {
        String key = CloudKeys.dataKey(item);
        byItem.put(item, DataKeys.wrappingKeyId(key, store.get(key)));
      }
    }
    return byItem;
  }

  private static String sealedKey(String item) {
    return CloudKeys.point(item, 1);
  }

  private static byte[] plaintext(String item) {
    return ("the point manifest of " + item).getBytes(StandardCharsets.UTF_8);
  }

  private static String keys(int expectedCode, String... args) {
    return KeysCommands.run(expectedCode, args)[0];
  }

  private static String keysErr(int expectedCode, String... args) {
    return KeysCommands.run(expectedCode, args)[1];
  }
}
