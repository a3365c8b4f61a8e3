package dev.haven.cloud.replica;

import dev.haven.cloud.crypto.DataKeys;
import dev.haven.cloud.crypto.ObjectRefusedException;
import dev.haven.cloud.crypto.ObjectSealer;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.LogPartRef;
import dev.haven.cloud.layout.ManifestCodec;
import dev.haven.cloud.layout.PointManifest;
import dev.haven.cloud.store.ObjectStore;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * One protected item's replica in a cloud site's object store: its data key, and sealed reads and
 * writes of its objects and manifests. Uploading ({@link BaseUploader}, {@link #uploadLog}),
 * recording points ({@link #writeInitialPoint}, {@link #appendPoint}), rebuilding a disk ({@link
 * Materializer}) and garbage collection ({@link RetentionCollector}) all go through it.
 *
 * <p>Base chunks are named by an HMAC of their plaintext's SHA-256 under a key derived from the
 * data key, so the store learns nothing of the contents from a name, while equal chunks get one
 * object: re-uploading after a crash, folding a new base generation and reprotecting after failback
 * send only chunks that are not stored already.
 */
public final class CloudReplica {
  private static final HexFormat HEX = HexFormat.of();

  private final ObjectStore store;
  private final String itemId;
  private final ObjectSealer sealer;
  private final SecretKey nameKey;

  private CloudReplica(ObjectStore store, String itemId, SecretKey dataKey) {
    this.store = store;
    this.itemId = itemId;
    this.sealer = new ObjectSealer(dataKey);
    this.nameKey =
        new SecretKeySpec(hmac(dataKey, "haven chunk names v1".getBytes()), "HmacSHA256");
  }

  /** Opens the item's replica, creating its data key (wrapped by the vault key) on first use. */
  public static CloudReplica open(ObjectStore store, VaultKeyring keyring, String itemId)
      throws IOException {
    return new CloudReplica(
        store, itemId, DataKeys.loadOrCreate(store, CloudKeys.dataKey(itemId), keyring));
  }

  public ObjectStore store() {
    return store;
  }

  ObjectSealer sealer() {
    return sealer;
  }

  public String itemId() {
    return itemId;
  }

  /** Seals {@code plaintext} and stores it under {@code key}. */
  public void putSealed(String key, byte[] plaintext) throws IOException {
    store.put(key, sealer.seal(key, plaintext));
  }

  /** Reads and opens the object under {@code key}. */
  public byte[] getOpened(String key) throws IOException {
    return sealer.open(key, store.get(key));
  }

  /** Reads and opens an object whose plaintext must have SHA-256 {@code sha256} (hex). */
  public byte[] getVerified(String key, String sha256) throws IOException {
    byte[] plain = getOpened(key);
    if (!sha256(plain, plain.length).equals(sha256)) {
      throw new ObjectRefusedException(
          key, "its plaintext does not have the SHA-256 the manifest records");
    }
    return plain;
  }

  /** The object key of a base chunk of {@code diskId} whose plaintext has {@code sha256}. */
  public String chunkKey(String diskId, String sha256) {
    byte[] name = hmac(nameKey, HEX.parseHex(sha256));
    return CloudKeys.chunk(itemId, diskId, HEX.formatHex(name));
  }

  /**
   * Seals and stores one shipped change log of a disk as parts, returning their refs. Storing the
   * same log again (after a crash) writes the same keys.
   */
  public List<LogPartRef> uploadLog(String diskId, long seq, List<byte[]> parts)
      throws IOException {
    List<LogPartRef> refs = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      String key = CloudKeys.logPart(itemId, diskId, seq, i);
      putSealed(key, parts.get(i));
      refs.add(new LogPartRef(seq, i, key, sha256(parts.get(i), parts.get(i).length)));
    }
    return refs;
  }

  /**
   * Records the first point of a base generation: each disk's base chunks plus the logs named for
   * it. Written only after every named object exists.
   */
  public PointManifest writeInitialPoint(
      long seq,
      long createdAtMillis,
      boolean appConsistent,
      long generation,
      List<DiskManifest> disks)
      throws IOException {
    PointManifest manifest =
        new PointManifest(itemId, seq, createdAtMillis, appConsistent, generation, disks);
    writeManifest(manifest);
    return manifest;
  }

  /**
   * Records point {@code seq} as the latest point plus each disk's new log parts. Written only
   * after every new part exists; the latest point's objects exist already.
   */
  public PointManifest appendPoint(
      long seq, long createdAtMillis, boolean appConsistent, Map<String, List<LogPartRef>> logs)
      throws IOException {
    PointManifest latest =
        latest().orElseThrow(() -> new IOException("item " + itemId + " has no point to extend"));
    if (seq <= latest.seq()) {
      throw new IllegalArgumentException(
          "point " + seq + " is not after the latest point " + latest.seq());
    }
    List<DiskManifest> disks = new ArrayList<>();
    for (DiskManifest d : latest.disks()) {
      disks.add(d.withLogs(logs.getOrDefault(d.diskId(), List.of())));
    }
    PointManifest next =
        new PointManifest(itemId, seq, createdAtMillis, appConsistent, latest.generation(), disks);
    writeManifest(next);
    return next;
  }

  /** Writes {@code manifest}, after checking that every log part it names exists. */
  public void writeManifest(PointManifest manifest) throws IOException {
    for (DiskManifest d : manifest.disks()) {
      for (LogPartRef log : d.logs()) {
        if (log.seq() > manifest.generation() && !store.exists(log.key())) {
          throw new IOException(
              "cannot record point "
                  + manifest.pointId()
                  + ": its log object '"
                  + log.key()
                  + "' is not stored");
        }
      }
    }
    putSealed(CloudKeys.point(itemId, manifest.seq()), ManifestCodec.encode(manifest));
  }

  /** The sequences of every recorded point, oldest first. */
  public List<Long> pointSeqs() throws IOException {
    return store.list(CloudKeys.points(itemId)).stream().map(CloudKeys::pointSeq).toList();
  }

  public PointManifest manifest(long seq) throws IOException {
    String key = CloudKeys.point(itemId, seq);
    return ManifestCodec.decode(key, getOpened(key));
  }

  /** The newest point, if any. */
  public Optional<PointManifest> latest() throws IOException {
    List<Long> seqs = pointSeqs();
    return seqs.isEmpty() ? Optional.empty() : Optional.of(manifest(seqs.get(seqs.size() - 1)));
  }

  static String sha256(byte[] data, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(data, 0, length);
      return HEX.formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(SecretKey key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
