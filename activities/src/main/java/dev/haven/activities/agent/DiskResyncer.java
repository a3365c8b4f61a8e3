package dev.haven.activities.agent;

import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.model.ErrorType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;

/**
 * The resync of one disk (R15), or the seeding of its initial copy (R11): streams {@code
 * ResyncDisk} from the source agent and heartbeats the next block. A retry passes the last
 * heartbeat as the start block; the source agent lowers it to the block the target confirmed (after
 * an fsync), which is the truth, so a resumed resync never skips a block.
 */
final class DiskResyncer {
  private final AgentCalls calls;

  DiskResyncer(AgentCalls calls) {
    this.calls = calls;
  }

  DiskResynced resync(ResyncDiskInput in) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    long start = ctx.getHeartbeatDetails(Long.class).orElse(0L);
    ctx.heartbeat(start);
    ResyncDiskRequest request =
        ResyncDiskRequest.newBuilder()
            .setItemId(in.itemId())
            .setDiskId(in.diskId())
            .setStartBlock(start)
            .setCompress(in.compress())
            .build();
    ResyncProgress last =
        calls.followStream(
            "ResyncDisk",
            in.sourceAgent(),
            DiskCopier.COPY_DEADLINE,
            s -> s.resyncDisk(request),
            ResyncProgress::getNextBlock);
    if (last == null || !last.getDone()) {
      throw ApplicationFailure.newFailure(
          "ResyncDisk on agent "
              + in.sourceAgent()
              + " ended before disk "
              + in.diskId()
              + " was complete (at block "
              + (last == null ? start : last.getNextBlock())
              + "); the next attempt resumes from the target's confirmed block",
          ErrorType.NETWORK_ERROR.typeName());
    }
    return new DiskResynced(
        in.diskId(),
        last.getTotalBlocks(),
        last.getDifferingBlocks(),
        last.getDifferingBytes(),
        last.getBytesSent(),
        last.getCoveredSeq());
  }
}
