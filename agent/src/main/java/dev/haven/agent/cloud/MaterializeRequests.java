package dev.haven.agent.cloud;

import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The cloud host's ledger of the VMs it built for failover requests, so that building is
 * idempotent: a request retried after its answer was lost gets the VM built for it, not a second
 * one, and a request whose build was cut short (the agent died) deletes the half-made VM before it
 * builds again. One small file per request id, written atomically before and after the build.
 */
final class MaterializeRequests {
  /**
   * What the ledger holds for one request: its VM, the point it was built at, and if it is done.
   */
  record Entry(String vmId, long pointSeq, boolean built) {}

  private final Path dir;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  MaterializeRequests(Path dir) {
    this.dir = dir;
  }

  /**
   * Holds {@code requestId}'s lock: two attempts of one request (a retry while the first still
   * builds) run one after the other, so the second finds the first's VM built.
   */
  ReentrantLock lock(String requestId) {
    ReentrantLock lock = locks.computeIfAbsent(requestId, k -> new ReentrantLock());
    lock.lock();
    return lock;
  }

  Optional<Entry> find(String requestId) throws IOException {
    Path file = file(requestId);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(AtomicFiles.readJson(file, Entry.class));
  }

  void record(String requestId, Entry entry) throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.writeJson(file(requestId), entry);
  }

  /** The request id hashed, so that any spelling makes a safe file name. */
  private Path file(String requestId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(digest, 0, 16) + ".json");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
