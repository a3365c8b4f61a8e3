package dev.haven.cloud.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.cloud.crypto.ObjectRefusedException;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.LogObjects;
import dev.haven.cloud.layout.LogPartRef;
import dev.haven.cloud.layout.PointManifest;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk replicated to a folder store as encrypted objects, then rebuilt at each point and compared
 * by SHA-256 with the source as it was at that point.
 */
class CloudReplicaTest {
  private static final int CHUNK = 1 << 20;
  private static final long SIZE = 24L << 20;

  @TempDir Path dir;
  private ObjectStore store;
  private VaultKeyring keyring;
  private CloudReplica replica;
  private TestDisk disk;
  private final Map<Long, String> sourceAt = new HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    store = ObjectStores.open(dir.resolve("cloud").toString());
    keyring = VaultKeyring.generate();
    replica = CloudReplica.open(store, keyring, "item-1");
    disk = new TestDisk(dir.resolve("source.raw"), SIZE, 7);
    // Data in chunks 0-3 and 10, a partial last chunk written, the rest never written (zeros).
    disk.writeRandom(0, 4 * CHUNK);
    disk.writeRandom(10L * CHUNK + 5000, 70000);
    disk.writeRandom(SIZE - 3000, 3000);
    disk.seal();
  }

  /** Initial copy (seq 1's base plus its log) and three delta points. */
  private void replicateFourPoints() throws Exception {
    BaseUploader.Result base =
        new BaseUploader(replica, CHUNK, 2).upload("d0", SIZE, disk, Set.of(), n -> {});
    disk.writeRandom(CHUNK + 100, 65536); // written during the copy: in log 1
    ship(1, base.base());
    disk.writeRandom(2L * CHUNK - 1000, 2000); // across a chunk boundary
    disk.writeRandom(20L * CHUNK, 65536); // in a chunk that is not stored
    ship(2, null);
    disk.writeZeros(0, 65536); // a trim
    ship(3, null);
    disk.writeRandom(3L * CHUNK, CHUNK); // a whole chunk rewritten
    ship(4, null);
  }

  private void ship(long seq, DiskManifest base) throws Exception {
    List<LogPartRef> parts =
        replica.uploadLog("d0", seq, LogObjects.encode(disk.seal(), 256 << 10));
    if (base != null) {
      replica.writeInitialPoint(seq, 1000 * seq, false, 0, List.of(base.withLogs(parts)));
    } else {
      replica.appendPoint(seq, 1000 * seq, seq == 3, Map.of("d0", parts));
    }
    sourceAt.put(seq, disk.sha256());
  }

  private String materialize(long seq) throws Exception {
    Path out = dir.resolve("restored-" + seq + ".raw");
    PointManifest point = replica.manifest(seq);
    new Materializer(replica, 3).materialize(point.disk("d0"), out);
    assertThat(Files.size(out)).isEqualTo(SIZE);
    return TestDisk.sha256(out);
  }

  @Test
  void R6_everyPointRestoresByteForByte() throws Exception {
    replicateFourPoints();
    assertThat(replica.pointSeqs()).containsExactly(1L, 2L, 3L, 4L);
    for (long seq = 1; seq <= 4; seq++) {
      assertThat(materialize(seq)).as("point %d", seq).isEqualTo(sourceAt.get(seq));
    }
    assertThat(replica.manifest(3).appConsistent()).isTrue();
  }

  @Test
  void R6_zeroChunksAreNotStoredAndNothingIsReadable() throws Exception {
    replicateFourPoints();
    List<String> chunks = store.list("items/item-1/disks/d0/chunks/");
    assertThat(chunks).hasSize(6); // chunks 0-3, 10 and the last
    byte[] source = Files.readAllBytes(disk.file);
    for (String key : store.list("items/")) {
      byte[] stored = store.get(key);
      // No 32-byte window of the source's data appears in any object in the clear.
      assertThat(indexOf(stored, java.util.Arrays.copyOfRange(source, 100, 132))).isNegative();
    }
  }

  @Test
  void R6_reuploadAfterACrashPutsNothingNewAndAManifestNeedsItsObjects() throws Exception {
    BaseUploader uploader = new BaseUploader(replica, CHUNK, 2);
    BaseUploader.Result first = uploader.upload("d0", SIZE, disk, Set.of(), n -> {});
    assertThat(first.tally().zeroChunks()).isEqualTo(18);
    BaseUploader.Result again = uploader.upload("d0", SIZE, disk, Set.of(), n -> {});
    assertThat(again.tally().bytesPut()).isZero();
    assertThat(again.tally().chunksAlreadyStored()).isEqualTo(6);
    assertThat(again.base()).isEqualTo(first.base());
    replicateFourPoints();
    LogPartRef missing =
        new LogPartRef(5, 0, "items/item-1/disks/d0/logs/00000000000000000005.0", "00");
    assertThatThrownBy(() -> replica.appendPoint(5, 5000, false, Map.of("d0", List.of(missing))))
        .hasMessageContaining("is not stored");
    assertThat(replica.pointSeqs()).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void R6_wrongVaultKeyIsRefused() throws Exception {
    replicateFourPoints();
    assertThatThrownBy(() -> CloudReplica.open(store, VaultKeyring.generate(), "item-1"))
        .isInstanceOf(ObjectRefusedException.class)
        .hasMessageContaining("items/item-1/data-key")
        .hasMessageContaining("vault key 'k1'");
  }

  @Test
  void R6_tamperedChunkIsRefusedAndNoDiskIsLeft() throws Exception {
    replicateFourPoints();
    String key = store.list("items/item-1/disks/d0/chunks/").get(2);
    byte[] bytes = store.get(key);
    bytes[bytes.length / 2] ^= 0x40;
    store.put(key, bytes);
    Path out = dir.resolve("restored.raw");
    assertThatThrownBy(
            () -> new Materializer(replica, 2).materialize(replica.manifest(4).disk("d0"), out))
        .isInstanceOf(ObjectRefusedException.class)
        .hasMessageContaining(key);
    assertThat(out).doesNotExist();
    assertThat(out.resolveSibling("restored.raw.materializing")).doesNotExist();
  }

  @Test
  void R6_swappedObjectIsRefused() throws Exception {
    replicateFourPoints();
    List<String> chunks = store.list("items/item-1/disks/d0/chunks/");
    store.put(chunks.get(0), store.get(chunks.get(1)));
    assertThatThrownBy(
            () ->
                new Materializer(replica, 2)
                    .materialize(replica.manifest(4).disk("d0"), dir.resolve("x.raw")))
        .isInstanceOf(ObjectRefusedException.class)
        .hasMessageContaining(chunks.get(0));
  }

  @Test
  void R13_pointsPastRetentionAreCollectedAndTheRestStillRestore() throws Exception {
    replicateFourPoints();
    List<PointManifest> points =
        List.of(replica.manifest(1), replica.manifest(2), replica.manifest(3), replica.manifest(4));
    long oldest = RetentionCollector.oldestKept(points, 4500, 2000); // created 3000 and 4000 kept
    assertThat(oldest).isEqualTo(3);
    RetentionCollector.Collected collected =
        new RetentionCollector(replica, dir.resolve("scratch")).collect(oldest);
    assertThat(collected.pointsDeleted()).containsExactly(1L, 2L);
    assertThat(replica.pointSeqs()).containsExactly(3L, 4L);
    assertThat(replica.manifest(3).generation()).isEqualTo(3);
    assertThat(replica.manifest(3).disk("d0").logs()).isEmpty();
    assertThat(replica.manifest(4).disk("d0").logs()).extracting(LogPartRef::seq).containsOnly(4L);
    assertThat(store.list("items/item-1/disks/d0/logs/"))
        .allMatch(k -> k.contains("00000000000000000004."));
    assertThat(materialize(3)).isEqualTo(sourceAt.get(3L));
    assertThat(materialize(4)).isEqualTo(sourceAt.get(4L));
    // Chunks no kept point names are gone: the old chunks 0-2 and 20 were folded into new ones.
    Set<String> named = new java.util.HashSet<>();
    for (long seq : replica.pointSeqs()) {
      replica.manifest(seq).disk("d0").chunks().forEach(c -> named.add(c.key()));
    }
    assertThat(store.list("items/item-1/disks/d0/chunks/"))
        .containsExactlyInAnyOrderElementsOf(named);
    // Collecting again changes nothing.
    assertThat(new RetentionCollector(replica, dir.resolve("scratch")).collect(3).objectsDeleted())
        .isZero();
  }

  @Test
  void R6_rotatingTheVaultKeyRewrapsDataKeysWithoutResendingData() throws Exception {
    replicateFourPoints();
    CloudReplica.open(store, keyring, "item-2");
    Map<String, String> before = objectHashes();
    Path keyringFile = dir.resolve("vault.keyring");
    KeyRotation.Rotated rotated = KeyRotation.rotate(Map.of("store", store), keyring, keyringFile);
    assertThat(rotated.dataKeysRewrapped()).isEqualTo(2);
    assertThat(VaultKeyring.load(keyringFile).currentId()).isEqualTo("k2");
    Map<String, String> after = objectHashes();
    assertThat(after.keySet()).isEqualTo(before.keySet());
    before.forEach(
        (key, hash) -> {
          if (key.endsWith("/data-key")) {
            assertThat(after.get(key)).isNotEqualTo(hash);
          } else {
            assertThat(after.get(key)).as(key).isEqualTo(hash);
          }
        });
    // The old key can go: every data key is wrapped by k2 now.
    replica = CloudReplica.open(store, rotated.keyring().without("k1"), "item-1");
    assertThat(materialize(4)).isEqualTo(sourceAt.get(4L));
    assertThat(KeyRotation.rewrap(store, rotated.keyring())).isZero();
  }

  private Map<String, String> objectHashes() throws Exception {
    Map<String, String> hashes = new HashMap<>();
    for (String key : store.list("")) {
      byte[] b = store.get(key);
      hashes.put(key, CloudReplica.sha256(b, b.length));
    }
    return hashes;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
