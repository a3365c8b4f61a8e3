package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
}
