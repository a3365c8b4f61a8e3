package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.activities.AgentActivities.ResyncStatus;
import dev.haven.workflows.activities.AgentActivities.StateInput;
import dev.haven.workflows.activities.StoreActivities.JobOpen;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * Resynchronization of a protected item (R15), as the Site Recovery seeds run it: the item is
 * <em>marked</em> {@code resync-required} when the source reports that delta replication cannot
 * bring the replica level (a change log lost or corrupt, an image cut short) or when the unshipped
 * change logs reach half the size of the item's disks; health is then warning with the reason as
 * the last error and the delta cycles stop (the source keeps logging writes). A marked resync runs
 * by itself when the policy's resync window opens ({@link ResyncWindow}), or at once when an
 * operator asks ({@code resync} Update). While it runs the item is {@code resynchronizing}; each
 * disk is compared block by block and only differing blocks travel, each disk's activity resuming
 * from the block the target confirmed; then a delta cycle ships what the guest wrote meanwhile and
 * the item is {@code protected} again. A resync also clears a non-recoverable error.
 */
final class ResyncSteps {
  /** The operation kind of a queued manual resync, beside pause, resume and disable. */
  static final String KIND = "resync";

  /** The job type of a resync, by hand or by itself. */
  static final String JOB_TYPE = "resync";

  static final String CHECK_SOURCE = "check-source";
  static final String RESYNC_DISK = "resync-disk ";
  static final String RESUME_DELTA = "resume-delta-replication";

  /** The marking and the automatic resync are new: histories from before replay without them. */
  static final String VERSION = "resync-orchestration";

  /** Pending log bytes at or above this share of the disks' size make a resync cheaper. */
  static final double PENDING_SHARE = 0.5;

  private static final Logger log = Workflow.getLogger(ResyncSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final ReplicationSteps replication;

  /** The total size of the item's source disks, once the source said it in this run. */
  private long diskBytes = -1;

  /** Automatic attempts that failed in a row; they back off like R16's cycles. */
  private int failedAttempts;

  private boolean compress;

  ResyncSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.replication = replication;
  }

  /** The policy asks for compressed replication traffic. */
  void compress(boolean on) {
    this.compress = on;
  }

  /**
   * After a delta cycle: asks the source whether a resync is needed when the cycle halted on a
   * non-recoverable error (a broken chain) or left many bytes pending, and marks the item if so.
   */
  void afterCycle() {
    boolean halted = s.state == ItemState.ERROR;
    boolean pendingMany =
        s.state == ItemState.PROTECTED
            && s.pendingBytes > 0
            && (diskBytes < 0 || s.pendingBytes >= diskBytes * PENDING_SHARE);
    if (!(halted || pendingMany) || !enabled()) {
      return;
    }
    ResyncStatus status;
    try {
      status = a.agent.resyncStatus(new StateInput(s.itemId(), sourceAgent()));
    } catch (ActivityFailure e) {
      log.warn("item {}: the source cannot say if a resync is needed: {}", s.itemId(), e);
      return;
    }
    if (status == null) {
      return;
    }
    diskBytes = status.diskBytes();
    if (status.required()) {
      mark(status.reason());
    } else if (s.state == ItemState.PROTECTED
        && status.diskBytes() > 0
        && status.pendingBytes() >= status.diskBytes() * PENDING_SHARE) {
      mark(
          "the change logs not yet shipped hold "
              + status.pendingBytes()
              + " bytes, at least half of the "
              + status.diskBytes()
              + " bytes of the item's disks; a resync is cheaper than shipping them");
    }
  }

  /** True when the item waits for its resync window. */
  boolean marked() {
    return s.state == ItemState.RESYNC_REQUIRED;
  }

  /**
   * Waits until the resync window opens (a durable timer) or an operation arrives; true when an
   * operation arrived. A failed automatic attempt waits R16's back-off before the next one.
   */
  boolean awaitWindowOrOperation() {
    long now = Workflow.currentTimeMillis();
    long delay = ResyncWindow.delayMillis(now, window(), timeZone());
    if (delay == ResyncWindow.NEVER) {
      Workflow.await(s::operationQueued);
      return true;
    }
    if (failedAttempts > 0) {
      delay = Math.max(delay, CycleSchedule.backoff(failedAttempts - 1).toMillis());
    }
    if (delay > 0) {
      log.info("item {} resyncs in {} s, when its window opens", s.itemId(), delay / 1000);
      return Workflow.await(Duration.ofMillis(delay), s::operationQueued);
    }
    return s.operationQueued();
  }

  /** The window opened: runs the resync under a job of its own. */
  void runScheduled() {
    String jobId = "job-" + Workflow.randomUUID().toString().substring(0, 8);
    rec.openJob(
        new JobOpen(jobId, JOB_TYPE, s.itemId(), Workflow.getInfo().getWorkflowId(), now()));
    if (!run(jobId)) {
      failedAttempts++;
    }
  }

  /**
   * Resynchronizes every disk, then ships what was written meanwhile; true when the item is
   * protected again. On failure the item stays {@code resync-required} and the job says which step
   * failed.
   */
  boolean run(String jobId) {
    rec.jobState(jobId, RUNNING, null);
    ItemState before = s.state;
    s.state = ItemState.RESYNCHRONIZING;
    rec.item(s);
    String step = CHECK_SOURCE;
    long sent = 0;
    long differing = 0;
    try {
      ResyncStatus status =
          rec.step(
              jobId,
              CHECK_SOURCE,
              () -> a.agent.resyncStatus(new StateInput(s.itemId(), sourceAgent())));
      diskBytes = status.diskBytes();
      for (String diskId : status.sourceDiskIds()) {
        step = RESYNC_DISK + diskId;
        // A long activity that heartbeats the target's confirmed block: a retry after a worker or
        // agent restart resumes there instead of comparing the disk again from its start.
        DiskResynced done =
            rec.step(
                jobId,
                step,
                () ->
                    a.copier.resyncDisk(
                        new ResyncDiskInput(
                            s.itemId(), sourceAgent(), targetAgent(), diskId, compress)));
        sent += done.bytesSent();
        differing += done.differingBytes();
      }
      step = RESUME_DELTA;
      rec.step(jobId, RESUME_DELTA, replication::shipAndRecord);
    } catch (ActivityFailure e) {
      String error = Failures.describe(e);
      s.state = ItemState.RESYNC_REQUIRED;
      s.failed(error, Health.WARNING);
      rec.item(s);
      rec.jobState(
          jobId,
          FAILED,
          "step "
              + step
              + " failed: "
              + error
              + ". The item stays resync-required; fix the cause and resync again (it also runs"
              + " by itself in the policy's resync window).");
      log.warn("resync of item {} failed at {}: {}", s.itemId(), step, error);
      return false;
    }
    long now = Workflow.currentTimeMillis();
    s.schedule.reset(now);
    s.schedule.succeeded(now);
    s.state = ItemState.PROTECTED;
    s.healthy();
    failedAttempts = 0;
    log.info(
        "item {} resynchronized from state {}: {} differing bytes, {} bytes sent",
        s.itemId(),
        before.apiName(),
        differing,
        sent);
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return true;
  }

  /** Whether an operator may resync now, in words that say when it is allowed. */
  static void check(ProtectionState s, LifecycleRequest request) {
    if (request == null || request.jobId() == null || request.jobId().isBlank()) {
      throw new IllegalArgumentException("a resync request needs the id of its job");
    }
    LifecycleRules.checkNothingQueued(s);
    ItemState st = s.state;
    if (st != ItemState.PROTECTED && st != ItemState.RESYNC_REQUIRED && st != ItemState.ERROR) {
      throw new IllegalStateException(
          "resync is not allowed while the item is in state "
              + st.apiName()
              + "; it is allowed in state protected, resync-required or error");
    }
  }

  private void mark(String reason) {
    log.warn("item {} needs a resync: {}", s.itemId(), reason);
    s.state = ItemState.RESYNC_REQUIRED;
    s.failed(reason, Health.WARNING);
    rec.item(s);
  }

  private boolean enabled() {
    return Workflow.getVersion(VERSION, Workflow.DEFAULT_VERSION, 1) >= 1;
  }

  private String window() {
    return s.policy == null ? null : s.policy.resyncWindow();
  }

  private String timeZone() {
    return s.policy == null ? null : s.policy.resyncTimeZone();
  }

  private long now() {
    return Workflow.currentTimeMillis();
  }

  private String sourceAgent() {
    return s.input.source().agentAddress();
  }

  private String targetAgent() {
    return s.input.target().agentAddress();
  }
}
