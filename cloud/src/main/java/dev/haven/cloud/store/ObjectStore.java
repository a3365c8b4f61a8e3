package dev.haven.cloud.store;

import java.io.IOException;
import java.util.List;

/**
 * A flat namespace of immutable-once-written objects: what a cloud site stores replicated disks in
 * (R6). Backends are a local folder (the embedded default), S3 and Azure Blob; every backend passes
 * the same contract test ({@code ObjectStoreContract}).
 *
 * <p>Keys are relative, slash-separated paths of {@code [A-Za-z0-9._=-]} segments (no empty
 * segment, no {@code .} or {@code ..}); {@link ObjectKeys#check} enforces this so that a key can
 * never escape a folder backend's root. Objects are whole byte arrays of at most {@link
 * #MAX_OBJECT_BYTES}: callers split anything larger into parts, which keeps every backend's upload
 * a single request and every read bounded in memory.
 *
 * <p>Implementations are safe for concurrent use. A failed call throws {@link IOException} whose
 * message names the backend ({@link #describe()}) and the key.
 */
public interface ObjectStore extends AutoCloseable {

  /** The largest object a caller may put: 64 MiB. */
  int MAX_OBJECT_BYTES = 64 << 20;

  /**
   * Stores {@code data} under {@code key}, replacing any object there. The write is atomic: a
   * reader sees the old object or the new one, never a part of either, and once this returns the
   * object is durable.
   */
  void put(String key, byte[] data) throws IOException;

  /**
   * Returns the object's bytes.
   *
   * @throws NoSuchObjectException if there is no object under {@code key}
   */
  byte[] get(String key) throws IOException;

  /** Whether an object exists under {@code key}. */
  boolean exists(String key) throws IOException;

  /** Every key that starts with {@code prefix} (which may be empty), in ascending order. */
  List<String> list(String prefix) throws IOException;

  /** Deletes the object under {@code key}; deleting an absent object is not an error. */
  void delete(String key) throws IOException;

  /** What and where this store is, for messages: {@code folder /srv/haven/cloud}. */
  String describe();

  @Override
  void close() throws IOException;
}
