package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ReplicationSteps.INITIAL_REPLICATION;
import static dev.haven.workflows.protection.ReplicationSteps.START_REPLICATION;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.model.ItemState;

/**
 * Replication to a cloud site (issue 8): the source writes the disks into the site's object store
 * itself, so there is no replica VM (and no network check) until a failover builds one.
 */
final class CloudReplicationSteps {
  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;

  CloudReplicationSteps(ProtectionState state, ProtectionActivities activities, JobRecorder rec) {
    this.s = state;
    this.a = activities;
    this.rec = rec;
  }

  /** The target site's object store when it is a cloud site, else null. */
  String storageOfTarget() {
    return storageOfTarget(s, a);
  }

  /** As {@link #storageOfTarget()}, for the steps that do not replicate. */
  static String storageOfTarget(ProtectionState s, ProtectionActivities a) {
    StoreActivities.SiteStorage storage =
        a.store.siteStorage(new StoreActivities.SiteRef(s.input.target().siteId()));
    return storage == null ? null : storage.location();
  }

  /** Enabling's steps up to finalize: start replication to the store, upload every disk. */
  void enable(String jobId) {
    ReplicaPrepared prepared = rec.step(jobId, START_REPLICATION, this::start);
    s.replicaVmId = null;
    s.state = ItemState.INITIAL_REPLICATION;
    rec.item(s);
    rec.step(
        jobId,
        INITIAL_REPLICATION,
        () -> {
          uploadAll(prepared);
          return null;
        });
  }

  /** Starts replication to the cloud site afresh and uploads every disk (changed chunks only). */
  ReplicaPrepared restart() {
    ReplicaPrepared prepared = start();
    uploadAll(prepared);
    return prepared;
  }

  private ReplicaPrepared start() {
    return a.agent.startCloudReplication(
        new AgentActivities.CloudStartInput(
            s.itemId(),
            s.input.source().agentAddress(),
            s.input.vmId(),
            s.input.target().agentAddress(),
            s.cloudStorage));
  }

  /** One disk after the other, as for a site-to-site copy (R11). */
  private void uploadAll(ReplicaPrepared prepared) {
    for (DiskPair disk : prepared.disks()) {
      a.copier.copyDiskToCloud(
          new AgentActivities.CloudCopyInput(
              s.itemId(), s.input.source().agentAddress(), disk.sourceDiskId()));
    }
  }
}
