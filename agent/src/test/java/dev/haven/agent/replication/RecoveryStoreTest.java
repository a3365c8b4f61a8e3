package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R13/R15: the recovery-point state of an item survives a restart of the agent. */
class RecoveryStoreTest {
  @TempDir Path dir;

  @Test
  void R13_policyMarksRollbackAndResyncSurviveARestart() throws Exception {
    RecoveryStore store = new RecoveryStore(dir);
    QuiesceHook.Result hook = new QuiesceHook.Result(true, true, 0, "ok", "", "/h");
    store.update("item-1", i -> i.withPolicy(3_600_000, 60_000));
    store.update("item-1", i -> i.withQuiesce(hook, 7, 7000));
    store.update("item-1", i -> i.withRollbackTo(5));
    RecoveryStore.Item saved =
        store.update("item-1", i -> i.withResync(true, "change log 3 is missing"));

    RecoveryStore.Item read = new RecoveryStore(dir).get("item-1");

    assertThat(read).isEqualTo(saved);
    assertThat(read.appConsistent(7)).isTrue();
    assertThat(read.lastAppConsistentAtMillis()).isEqualTo(7000);
    assertThat(read.rollbackPending()).isTrue();
    assertThat(read.withAckedThrough(7).seqs()).isEmpty();
    assertThat(new RecoveryStore(dir).get("item-2").retentionMillis()).isZero();
  }

  /**
   * Scale (issue 5): each item's state is written under its own lock, so one item's slow write (an
   * fsync) never holds up another item's cycle, while writes of one item stay serialized.
   */
  @Test
  void R13_oneItemsStateWriteDoesNotWaitForAnothersButWaitsForItsOwn() throws Exception {
    RecoveryStore store = new RecoveryStore(dir);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<RecoveryStore.Item> slow =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return store.update(
                    "item-1",
                    i -> {
                      inside.countDown();
                      await(release);
                      return i.withRollbackTo(3);
                    });
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

    // Another item writes while item-1's write is held open; a second write of item-1 waits.
    RecoveryStore.Item other = store.update("item-2", i -> i.withRollbackTo(9));
    CompletableFuture<RecoveryStore.Item> same =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return store.update("item-1", i -> i.withResync(true, "after the first"));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(other.rollbackTo()).isEqualTo(9);
    assertThat(same).isNotDone();
    release.countDown();

    assertThat(slow.get(30, TimeUnit.SECONDS).rollbackTo()).isEqualTo(3);
    RecoveryStore.Item last = same.get(30, TimeUnit.SECONDS);
    assertThat(last.rollbackTo()).isEqualTo(3);
    assertThat(new RecoveryStore(dir).get("item-1")).isEqualTo(last);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
