package dev.haven.agent.changelog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The change logs of one disk, as {@code <diskId>-<seq>.hrl} files beside its image: one live log
 * and the sealed ones not yet discarded.
 *
 * <p>The write path and {@link #seal()} share {@link #lock()}: a writer holds it while it appends a
 * record and writes the image, so a write lands wholly before or wholly after a seal. Records are
 * appended only while the disk is tracked (its VM is the source of an active replication), so an
 * unprotected disk does not grow logs without bound.
 */
public final class DiskChangeLogs implements ChangeLogSet, AutoCloseable {
  /** Forces the disk's image to disk; a seal calls it so a sealed log never runs ahead. */
  @FunctionalInterface
  public interface ImageSync {
    void force() throws IOException;
  }

  private final Path dir;
  private final String diskId;
  private final ImageSync imageSync;
  private final ReentrantLock lock = new ReentrantLock();
  private final GroupCommit commit = new GroupCommit();
  private final SealedLogs sealed;
  private ChangeLogWriter live;
  private long nextSeq;
  private volatile boolean tracking;

  private DiskChangeLogs(Path dir, String diskId, ImageSync imageSync) {
    this.dir = dir;
    this.diskId = diskId;
    this.imageSync = imageSync;
    this.sealed = new SealedLogs(dir);
  }

  /**
   * Opens the logs of {@code diskId} in {@code dir}. A live log is cut back to its last whole
   * record and each of its records is handed to {@code replay}, so that the caller can redo on the
   * image any logged write that a crash kept from reaching it.
   */
  public static DiskChangeLogs open(
      Path dir, String diskId, Consumer<LogEntry> replay, ImageSync imageSync) throws IOException {
    DiskChangeLogs logs = new DiskChangeLogs(dir, diskId, imageSync);
    LogFolder.Opened opened = LogFolder.open(dir, diskId, replay);
    logs.sealed.addAll(opened.sealed());
    logs.live = opened.live();
    return logs;
  }

  private Path fileFor(long seq) {
    return LogFolder.fileFor(dir, diskId, seq);
  }

  public String diskId() {
    return diskId;
  }

  /** The lock shared by the write path and {@link #seal()}. */
  public ReentrantLock lock() {
    return lock;
  }

  /** Whether guest writes are being recorded. */
  public boolean tracking() {
    return tracking;
  }

  /** Starts or stops recording guest writes. */
  public void setTracking(boolean on) {
    lock.lock();
    try {
      tracking = on;
    } finally {
      lock.unlock();
    }
  }

  /** Records a write; the caller holds {@link #lock()}. Large writes become several records. */
  public void appendData(long offset, ByteBuffer data) throws IOException {
    requireLocked();
    if (!tracking) {
      return;
    }
    ensureLive();
    ByteBuffer rest = data.duplicate();
    long at = offset;
    while (rest.hasRemaining()) {
      int length = Math.min(rest.remaining(), LogFormat.MAX_DATA_RECORD);
      ByteBuffer piece = rest.slice();
      piece.limit(length);
      live.appendData(at, piece);
      commit.recordAppended();
      rest.position(rest.position() + length);
      at += length;
    }
  }

  /**
   * Where the live log ends now; the caller holds {@link #lock()}. A write whose image update fails
   * after its record was appended hands it to {@link #rollback}, so the log never holds a write the
   * image does not.
   */
  public ChangeLogWriter.Mark mark() throws IOException {
    requireLocked();
    if (!tracking) {
      return null;
    }
    ensureLive();
    return live.mark();
  }

  /** Removes the records appended since {@code mark}; the caller holds {@link #lock()}. */
  public void rollback(ChangeLogWriter.Mark mark) throws IOException {
    requireLocked();
    if (mark != null && live != null) {
      live.rollback(mark);
    }
  }

  /** Records that a range now reads as zeros; the caller holds {@link #lock()}. */
  public void appendZero(long offset, long length) throws IOException {
    requireLocked();
    if (!tracking) {
      return;
    }
    ensureLive();
    long at = offset;
    long left = length;
    while (left > 0) {
      int piece = (int) Math.min(left, LogFormat.MAX_ZERO_RECORD);
      live.appendZero(at, piece);
      commit.recordAppended();
      at += piece;
      left -= piece;
    }
  }

  /**
   * Makes every record appended before the call durable. The fdatasync runs outside {@link
   * #lock()}, so writers go on appending meanwhile, and concurrent callers share one (see {@link
   * GroupCommit}). A log sealed or closed while it is being forced was forced by the seal.
   */
  public void force() throws IOException {
    commit.commit(
        () -> {
          ChangeLogWriter writer;
          long covered;
          lock.lock();
          try {
            writer = live;
            covered = commit.appended();
          } finally {
            lock.unlock();
          }
          if (writer != null) {
            writer.force();
          }
          return covered;
        });
  }

  @Override
  public long liveSeq() {
    lock.lock();
    try {
      return live != null ? live.seq() : nextSeq;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public SealedLog seal() throws IOException {
    lock.lock();
    try {
      return sealLocked(System.currentTimeMillis());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Seals the live log with the given seal time; the caller holds {@link #lock()}. Used to seal
   * every disk of a VM under all of their locks at once, so that one sequence is one cut across the
   * VM's disks.
   */
  public SealedLog sealLocked(long sealedAtMillis) throws IOException {
    requireLocked();
    ensureLive();
    imageSync.force();
    ChangeLogWriter sealing = live;
    byte[] digest = sealing.seal(sealedAtMillis);
    FileSealedLog log = FileSealedLog.justSealed(sealing, sealedAtMillis, digest);
    sealed.add(log);
    live = null;
    nextSeq = log.seq() + 1;
    nextLive(sealedAtMillis);
    return log;
  }

  @Override
  public void restartAt(long seq) throws IOException {
    if (seq < 1) {
      throw new IllegalArgumentException("sequence must be at least 1, got " + seq);
    }
    lock.lock();
    try {
      long newest = sealed.newestSeq().orElse(0);
      if (newest >= seq) {
        throw new IllegalArgumentException(
            "cannot restart " + diskId + " at " + seq + ": sealed log " + newest + " exists");
      }
      if (live != null) {
        // The live log is the image's write-ahead log: its records may be in no forced image yet.
        imageSync.force();
        live.close();
        Files.deleteIfExists(live.file());
        live = null;
      }
      nextSeq = seq;
      nextLive(System.currentTimeMillis());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<SealedLog> sealed() {
    lock.lock();
    try {
      return sealed.list();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void discardThrough(long seq) throws IOException {
    lock.lock();
    try {
      sealed.discardThrough(seq);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long pendingBytes() {
    lock.lock();
    try {
      return (live != null ? live.recordBytes() : 0) + sealed.recordBytes();
    } finally {
      lock.unlock();
    }
  }

  /** Forces and closes the live log; it stays live and is reopened on the next start. */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (live != null) {
        live.force();
        live.close();
      }
    } finally {
      lock.unlock();
    }
  }

  private void ensureLive() throws IOException {
    if (live == null) {
      nextLive(System.currentTimeMillis());
    }
  }

  private void nextLive(long createdAtMillis) throws IOException {
    live = ChangeLogWriter.create(fileFor(nextSeq), diskId, nextSeq, createdAtMillis);
  }

  private void requireLocked() {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("the caller must hold the change log lock of " + diskId);
    }
  }
}
