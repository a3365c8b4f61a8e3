package dev.haven.agent.service;

import dev.haven.agent.replication.RecoveryPoints;
import dev.haven.agent.replication.RecoveryStore;
import dev.haven.protocol.ListRecoveryPointsResponse;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.QuiesceResult;
import dev.haven.protocol.RecoveryPolicy;
import java.util.List;

/** Conversions of the recovery-point records (R13/R20) to agent.proto's messages. */
final class RecoveryMessages {
  private RecoveryMessages() {}

  static ListRecoveryPointsResponse list(List<RecoveryPoints.Listed> points) {
    ListRecoveryPointsResponse.Builder out = ListRecoveryPointsResponse.newBuilder();
    for (RecoveryPoints.Listed listed : points) {
      out.addPoints(
          Messages.point(listed.point()).toBuilder().setJournalBytes(listed.journalBytes()));
    }
    return out.build();
  }

  static RecoveryPolicy policy(RecoveryStore.Item item) {
    RecoveryPolicy.Builder out =
        RecoveryPolicy.newBuilder()
            .setItemId(item.itemId())
            .setRetentionMillis(item.retentionMillis())
            .setAppConsistentEveryMillis(item.appConsistentEveryMillis())
            .setLastAppConsistentAtMillis(item.lastAppConsistentAtMillis());
    if (item.lastQuiesce() != null) {
      var q = item.lastQuiesce();
      out.setLastQuiesce(
          QuiesceResult.newBuilder()
              .setRan(q.ran())
              .setSucceeded(q.succeeded())
              .setExitCode(q.exitCode())
              .setOutput(q.output())
              .setReason(q.reason())
              .setHookPath(q.hook()));
    }
    return out.build();
  }

  /** The response without its VM, which the service adds with its NBD address. */
  static MaterializeRecoveryPointResponse.Builder materialized(RecoveryPoints.Materialized done) {
    return MaterializeRecoveryPointResponse.newBuilder()
        .setPoint(Messages.point(done.point()))
        .addAllDiskSha256(done.sha256())
        .setLogsUndone(done.logsUndone());
  }
}
