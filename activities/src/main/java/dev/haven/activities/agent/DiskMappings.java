package dev.haven.activities.agent;

import dev.haven.protocol.DiskCopyState;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Vm;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.model.ErrorType;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Pairs source disks with replica disks and finds the target's copy progress for a disk. */
final class DiskMappings {
  private DiskMappings() {}

  /**
   * The source VM's disks, in its order, each with the replica disk the target mapped it to. The
   * target names the source disk in each mapping; where it does not, the disk order decides.
   */
  static List<DiskPair> pair(String itemId, Vm source, ReplicationState target) {
    List<DiskMapping> mappings = target.getDisksList();
    if (mappings.size() != source.getDisksCount()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the replica of item "
              + itemId
              + " has "
              + mappings.size()
              + " disk(s) but the source VM "
              + source.getId()
              + " has "
              + source.getDisksCount(),
          ErrorType.REPLICA_INVALID_STATE.typeName());
    }
    List<DiskPair> pairs = new ArrayList<>();
    for (int i = 0; i < source.getDisksCount(); i++) {
      String sourceDiskId = source.getDisks(i).getId();
      String replicaDiskId =
          replicaDiskOf(target, sourceDiskId).orElse(mappings.get(i).getReplicaDiskId());
      pairs.add(new DiskPair(sourceDiskId, replicaDiskId, source.getDisks(i).getSizeBytes()));
    }
    return pairs;
  }

  static Optional<String> replicaDiskOf(ReplicationState state, String sourceDiskId) {
    return state.getDisksList().stream()
        .filter(m -> m.getSourceDiskId().equals(sourceDiskId))
        .map(DiskMapping::getReplicaDiskId)
        .findFirst();
  }

  /** What the target persisted of a replica disk's initial copy, if it began. */
  static Optional<DiskCopyState> copyOf(ReplicationState target, String replicaDiskId) {
    return target.getCopiesList().stream()
        .filter(c -> c.getDiskId().equals(replicaDiskId))
        .findFirst();
  }

  /** True once the target holds a finished copy of every disk it maps. */
  static boolean initialCopyDone(ReplicationState state) {
    if (state.getDisksCount() == 0) {
      return state.getCopiesCount() > 0
          && state.getCopiesList().stream().allMatch(DiskCopyState::getDone);
    }
    return state.getDisksList().stream()
        .allMatch(
            m -> copyOf(state, m.getReplicaDiskId()).map(DiskCopyState::getDone).orElse(false));
  }
}
