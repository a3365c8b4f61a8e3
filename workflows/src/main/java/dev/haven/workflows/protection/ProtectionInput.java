package dev.haven.workflows.protection;

import dev.haven.workflows.model.HostRef;
import java.util.Map;

/**
 * Everything a {@link ProtectedItemWorkflow} needs to start or to resume after a restart of the
 * embedded Temporal server. {@code resume} is true when the worker reconciles an item that the
 * store already knows: the workflow then asks the agents where replication stands instead of
 * starting over. {@code jobId} is the enable-protection job, or null on resume.
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
    ProtectionCarryOver carryOver) {}
