package dev.haven.activities.agent;

import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.model.ErrorType;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The resync of one disk (R15), or the seeding of its initial copy (R11): streams {@code
 * ResyncDisk} from the source agent and heartbeats the next block. A retry passes the last
 * heartbeat as the start block; the source agent lowers it to the block the target confirmed (after
 * an fsync), which is the truth, so a resumed resync never skips a block.
 */
final class DiskResyncer {
  private final AgentChannels channels;

  DiskResyncer(AgentChannels channels) {
    this.channels = channels;
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
    ResyncProgress last = null;
    // Closing the context cancels the stream if a heartbeat says the activity was cancelled.
    try (Context.CancellableContext scope = Context.current().withCancellation()) {
      Context previous = scope.attach();
      try {
        Iterator<ResyncProgress> progress =
            AgentServiceGrpc.newBlockingStub(channels.channel(in.sourceAgent()))
                .withDeadlineAfter(DiskCopier.COPY_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .resyncDisk(request);
        while (progress.hasNext()) {
          last = progress.next();
          ctx.heartbeat(last.getNextBlock());
        }
      } catch (StatusRuntimeException e) {
        throw AgentErrors.failure("ResyncDisk", in.sourceAgent(), e);
      } finally {
        scope.detach(previous);
      }
    }
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
