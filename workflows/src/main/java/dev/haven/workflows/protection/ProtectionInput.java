package dev.haven.workflows.protection;

import dev.haven.workflows.model.HostRef;
import java.util.Map;

/**
 * Everything a {@link ProtectedItemWorkflow} needs to start or to resume after a restart of the
 * embedded Temporal server. {@code resume} is true when the worker reconciles an item that the
 * store already knows: the workflow then asks the agents where replication stands instead of
 * starting over. {@code jobId} is the enable-protection job, or null on resume.
 *
 * <p>{@code reverse} (R25) starts replication in the direction this input names over an item that
 * ran the other way: {@code vmId} runs at {@code source} (the old target), and the carry-over's
 * {@code replicaVmId} is the old source VM at {@code target}, which becomes the replica, seeded by
 * a resync; {@code jobId} is the reverse-replication job. {@link ReverseDirection} builds it.
 */
public record ProtectionInput(
    String itemId,
    String vmId,
    String jobId,
    HostRef source,
    HostRef target,
    int copyFrequencySeconds,
    Map<String, String> networkMapping,
    boolean resume,
    ProtectionCarryOver carryOver,
    boolean reverse) {

  /** An input in the direction the item was protected in, without reverse replication. */
  public ProtectionInput(
      String itemId,
      String vmId,
      String jobId,
      HostRef source,
      HostRef target,
      int copyFrequencySeconds,
      Map<String, String> networkMapping,
      boolean resume,
      ProtectionCarryOver carryOver) {
    this(
        itemId,
        vmId,
        jobId,
        source,
        target,
        copyFrequencySeconds,
        networkMapping,
        resume,
        carryOver,
        false);
  }
}
