package dev.haven.workflows.activities;

import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import java.util.List;

/**
 * The cloud-site commands of {@link AgentActivities} (issue 8), in an interface of their own to
 * keep each file readable. Not an activity interface itself: Temporal registers these methods
 * through {@code AgentActivities}, which extends it, under their usual names, so histories recorded
 * before the split replay unchanged.
 */
public interface CloudSiteActivities {
  record CloudStartInput(
      String itemId, String sourceAgent, String vmId, String cloudHostAgent, String cloudStorage) {}

  /**
   * Starts replication to a cloud site's object store at the source, which writes the objects
   * itself; no replica VM exists until a failover. Answers the VM's disks, each its own replica
   * disk id. Idempotent.
   */
  default ReplicaPrepared startCloudReplication(CloudStartInput input) {
    throw new UnsupportedOperationException("this worker cannot replicate to a cloud site");
  }

  record CloudCopyInput(String itemId, String sourceAgent, String diskId) {}

  /**
   * Uploads one disk as the item's base in the cloud site (chunks already stored are skipped, so a
   * retry resumes cheaply); heartbeats as it goes.
   */
  default DiskCopied copyDiskToCloud(CloudCopyInput input) {
    throw new UnsupportedOperationException("this worker cannot replicate to a cloud site");
  }

  record CloudMaterializeInput(
      String itemId,
      String cloudHostAgent,
      String cloudStorage,
      String pointId,
      String vmName,
      List<String> networks) {}

  /**
   * Failover to a cloud site: the cloud host builds a new powered-off VM at the point ("" for the
   * newest) from the store's objects, on {@code networks}. Heartbeats while it works. Idempotent:
   * every attempt carries the same request id, so a retry after a lost answer gets the VM the first
   * attempt built, and one after a build cut short gets a new VM in place of the half-made one.
   */
  default MaterializedPoint materializeCloudPoint(CloudMaterializeInput input) {
    throw new UnsupportedOperationException("this worker cannot fail over to a cloud site");
  }

  record CloudItemInput(String itemId, String cloudHostAgent, String cloudStorage) {}

  /** What {@link #deleteCloudItem} removed. */
  record CloudItemDeleted(long objectsDeleted) {}

  /**
   * Disable with replica deletion: the cloud host deletes every object of the item from the store,
   * its data key first, so that anything a failure leaves is unreadable. Idempotent.
   */
  default CloudItemDeleted deleteCloudItem(CloudItemInput input) {
    throw new UnsupportedOperationException("this worker cannot delete from a cloud site");
  }
}
