package dev.haven.activities.agent;

import dev.haven.protocol.CloudItemRef;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DeleteCloudItemResponse;
import dev.haven.protocol.Disk;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.MaterializeCloudPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.CloudSiteActivities.CloudCopyInput;
import dev.haven.workflows.activities.CloudSiteActivities.CloudItemDeleted;
import dev.haven.workflows.activities.CloudSiteActivities.CloudItemInput;
import dev.haven.workflows.activities.CloudSiteActivities.CloudMaterializeInput;
import dev.haven.workflows.activities.CloudSiteActivities.CloudStartInput;
import dev.haven.workflows.model.ErrorType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent activities of replication to a cloud site (issue 8): the source agent starts tracking
 * and writes the item's disks into the site's object store itself, so these calls go to the source
 * only. The store's location travels in the request; its credentials never do.
 */
final class CloudReplicationCalls {
  /** Uploading a disk or building a VM from the store takes as long as an initial copy. */
  private static final Duration COPY_DEADLINE = DiskCopier.COPY_DEADLINE;

  private final AgentCalls calls;

  CloudReplicationCalls(AgentCalls calls) {
    this.calls = calls;
  }

  ReplicaPrepared start(CloudStartInput in) {
    Vm vm = calls.getVm(in.sourceAgent(), in.vmId());
    StartReplicationRequest.Builder request =
        StartReplicationRequest.newBuilder()
            .setItemId(in.itemId())
            .setVmId(in.vmId())
            .setTargetAddress(in.cloudHostAgent())
            .setCloudStorage(in.cloudStorage());
    List<DiskPair> disks = new ArrayList<>();
    for (Disk disk : vm.getDisksList()) {
      // In the object store a disk keeps its source id; the VM built at failover gets new ones.
      request.addDisks(
          DiskMapping.newBuilder().setSourceDiskId(disk.getId()).setReplicaDiskId(disk.getId()));
      disks.add(new DiskPair(disk.getId(), disk.getId(), disk.getSizeBytes()));
    }
    calls.call(
        "StartReplication",
        in.sourceAgent(),
        AgentActivitiesImpl.COMMAND_DEADLINE,
        s -> s.startReplication(request.build()));
    return new ReplicaPrepared(null, disks);
  }

  DiskCopied copy(CloudCopyInput in) {
    CopyDiskRequest request =
        CopyDiskRequest.newBuilder().setItemId(in.itemId()).setDiskId(in.diskId()).build();
    CopyProgress last = DiskCopier.followCopy(calls, in.sourceAgent(), request);
    if (last == null || !last.getDone()) {
      throw ApplicationFailure.newFailure(
          "the upload of disk " + in.diskId() + " to the cloud site ended before it was complete",
          ErrorType.NETWORK_ERROR.typeName());
    }
    return new DiskCopied(
        in.diskId(), last.getTotalChunks(), last.getBytesSent(), last.getZeroChunksSkipped());
  }

  /** Builds the VM at the cloud host, heartbeating every few seconds while the host works. */
  MaterializedPoint materialize(CloudMaterializeInput in) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    MaterializeCloudPointRequest request =
        MaterializeCloudPointRequest.newBuilder()
            .setItemId(in.itemId())
            .setCloudStorage(in.cloudStorage())
            .setPointId(in.pointId() == null ? "" : in.pointId())
            .setVmName(in.vmName() == null ? "" : in.vmName())
            .setCpus(1)
            .setMemoryMib(512)
            .addAllNetworks(in.networks() == null ? List.of() : in.networks())
            // Every attempt of this activity carries the same id, so that a retry after a lost
            // answer gets the VM the first attempt built instead of a second one.
            .setRequestId(ctx.getInfo().getRunId() + "/" + ctx.getInfo().getActivityId())
            .build();
    MaterializeRecoveryPointResponse r =
        calls.callCloudHeartbeating(
            "MaterializeCloudPoint",
            in.cloudHostAgent(),
            COPY_DEADLINE,
            in.itemId(),
            cloud -> cloud.materializeCloudPoint(request));
    return FailoverVms.materializedPoint(r, 0);
  }

  /** Deletes the item's objects at the cloud host, heartbeating while it works. */
  CloudItemDeleted deleteItem(CloudItemInput in) {
    CloudItemRef request =
        CloudItemRef.newBuilder().setItemId(in.itemId()).setCloudStorage(in.cloudStorage()).build();
    DeleteCloudItemResponse r =
        calls.callCloudHeartbeating(
            "DeleteCloudItem",
            in.cloudHostAgent(),
            COPY_DEADLINE,
            in.itemId(),
            cloud -> cloud.deleteCloudItem(request));
    return new CloudItemDeleted(r.getObjectsDeleted());
  }
}
