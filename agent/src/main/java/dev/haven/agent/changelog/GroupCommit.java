package dev.haven.agent.changelog;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for one disk's live log: every flush or FUA write needs the records appended before
 * it on disk, and one fdatasync covers all of them. A flusher that finds a sync already running
 * waits for it, and then syncs only if its own records came after that sync's cut; so concurrent
 * flushers share one sync, and plain writes never sync at all.
 */
final class GroupCommit {
  /** Forces the log; answers how many records (counted as {@link #appended()}) it covered. */
  @FunctionalInterface
  interface Sync {
    long force() throws IOException;
  }

  private final ReentrantLock syncing = new ReentrantLock();
  // Counted under the log's lock, read without it.
  private volatile long appended;
  // Guarded by syncing.
  private long synced;

  /** Counts one appended record; the caller holds the log's lock. */
  @SuppressWarnings("NonAtomicVolatileUpdate")
  void recordAppended() {
    appended++;
  }

  /** Records appended so far. */
  long appended() {
    return appended;
  }

  /** Returns once every record appended before the call is durable. */
  void commit(Sync sync) throws IOException {
    long wanted = appended;
    syncing.lock();
    try {
      if (synced >= wanted) {
        return;
      }
      synced = Math.max(synced, sync.force());
    } finally {
      syncing.unlock();
    }
  }
}
