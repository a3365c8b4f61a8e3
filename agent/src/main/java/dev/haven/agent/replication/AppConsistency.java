package dev.haven.agent.replication;

import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.protocol.QuiesceResult;
import java.io.IOException;
import java.util.List;

/**
 * Seals a VM's logs, first quiescing it through its hook when the item's app-consistent frequency
 * is due (R9/R13). A hook that succeeds marks the sealed sequence app-consistent on the source, and
 * the mark travels with the log to the target; one that fails leaves a crash-consistent point and
 * the next cycle tries again.
 */
final class AppConsistency {
  /** The cut, and the hook's result when it ran (null when no app-consistent point was due). */
  record Sealed(VmSealer.Sealed sealed, QuiesceHook.Result quiesce) {}

  private AppConsistency() {}

  static Sealed seal(
      ReplicationStateStore store, ReplicationRecord record, List<DiskChangeLogs> logs)
      throws IOException {
    RecoveryStore recovery = store.recovery();
    RecoveryStore.Item item = recovery.get(record.itemId());
    long now = System.currentTimeMillis();
    boolean due =
        item.appConsistentEveryMillis() > 0
            && now - item.lastAppConsistentAtMillis() >= item.appConsistentEveryMillis();
    if (!due) {
      return new Sealed(VmSealer.sealAll(logs), null);
    }
    QuiesceHook hook = new QuiesceHook(recovery.scriptsDir(), QuiesceHook.DEFAULT_TIMEOUT);
    QuiesceHook.Result result = hook.freeze(record.vmId());
    VmSealer.Sealed sealed;
    try {
      sealed = VmSealer.sealAll(logs);
    } finally {
      if (result.ran()) {
        hook.thaw(record.vmId());
      }
    }
    recovery.update(
        record.itemId(), i -> i.withQuiesce(result, sealed.seq(), sealed.sealedAtMillis()));
    return new Sealed(sealed, result);
  }

  static QuiesceResult message(QuiesceHook.Result r) {
    if (r == null) {
      return QuiesceResult.getDefaultInstance();
    }
    return QuiesceResult.newBuilder()
        .setRan(r.ran())
        .setSucceeded(r.succeeded())
        .setExitCode(r.exitCode())
        .setOutput(r.output())
        .setReason(r.reason())
        .setHookPath(r.hook())
        .build();
  }
}
