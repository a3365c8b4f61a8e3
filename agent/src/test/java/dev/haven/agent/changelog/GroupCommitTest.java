package dev.haven.agent.changelog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Flushers that arrive while a sync runs share the next one instead of syncing one by one. */
class GroupCommitTest {

  @Test
  void R13_concurrentFlushersShareOneSync() throws Exception {
    GroupCommit commit = new GroupCommit();
    AtomicInteger syncs = new AtomicInteger();
    CountDownLatch firstSyncRunning = new CountDownLatch(1);
    CountDownLatch releaseFirstSync = new CountDownLatch(1);
    GroupCommit.Sync sync =
        () -> {
          long covered = commit.appended();
          if (syncs.incrementAndGet() == 1) {
            firstSyncRunning.countDown();
            awaitQuietly(releaseFirstSync);
          }
          return covered;
        };

    commit.recordAppended();
    Thread first = thread(() -> commit.commit(sync));
    firstSyncRunning.await();
    // Five more records, each with a flusher waiting behind the running sync.
    List<Thread> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      commit.recordAppended();
      waiting.add(thread(() -> commit.commit(sync)));
    }
    for (Thread thread : waiting) {
      while (thread.getState() != Thread.State.WAITING) {
        Thread.onSpinWait();
      }
    }
    releaseFirstSync.countDown();
    first.join();
    for (Thread thread : waiting) {
      thread.join();
    }

    assertThat(syncs).hasValue(2);
    // Nothing was appended since: a flush now has nothing to sync.
    commit.commit(sync);
    assertThat(syncs).hasValue(2);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private interface Body {
    void run() throws Exception;
  }

  private static Thread thread(Body body) {
    Thread thread =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
    thread.start();
    return thread;
  }
}
