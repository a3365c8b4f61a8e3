package dev.haven.activities.agent;

import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DiskCopyState;
import dev.haven.protocol.ReplicationState;
import dev.haven.workflows.activities.AgentActivities.CopyDiskInput;
import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.model.ErrorType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial copy of one disk (R11): asks the target which chunk it persisted last, streams the
 * copy from there and heartbeats every progress message. The target's persisted chunk is the truth:
 * a previous attempt's heartbeat may be ahead of what reached the target's disk.
 */
final class DiskCopier {
  /** The whole stream's deadline; the workflow's start-to-close timeout is six hours. */
  static final Duration COPY_DEADLINE = Duration.ofHours(6);

  private static final Logger log = LoggerFactory.getLogger(DiskCopier.class);

  private final AgentCalls calls;

  DiskCopier(AgentCalls calls) {
    this.calls = calls;
  }

  DiskCopied copy(CopyDiskInput in) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    ReplicationState target = calls.replicationState(in.targetAgent(), in.itemId());
    String replicaDiskId = replicaDiskId(in, target);
    DiskCopyState persisted =
        DiskMappings.copyOf(target, replicaDiskId).orElse(DiskCopyState.getDefaultInstance());
    if (persisted.getDone()) {
      return new DiskCopied(in.diskId(), persisted.getTotalChunks(), 0, 0);
    }
    long start = persisted.getNextChunk();
    ctx.getHeartbeatDetails(Long.class)
        .filter(previous -> previous > start)
        .ifPresent(
            previous ->
                log.info(
                    "disk {} of item {}: a previous attempt reached chunk {}, the target persisted"
                        + " {}; resuming from {}",
                    in.diskId(),
                    in.itemId(),
                    previous,
                    start,
                    start));
    ctx.heartbeat(start);
    return stream(in, start);
  }

  private String replicaDiskId(CopyDiskInput in, ReplicationState target) {
    return DiskMappings.replicaDiskOf(target, in.diskId())
        .orElseGet(
            () -> {
              // An older target may not list the mapping; the source always knows it.
              ReplicationState source = calls.replicationState(in.sourceAgent(), in.itemId());
              return DiskMappings.replicaDiskOf(source, in.diskId())
                  .orElseThrow(
                      () ->
                          ApplicationFailure.newNonRetryableFailure(
                              "neither agent maps disk "
                                  + in.diskId()
                                  + " of item "
                                  + in.itemId()
                                  + " to a replica disk; prepare the replica again",
                              ErrorType.REPLICA_INVALID_STATE.typeName()));
            });
  }

  private DiskCopied stream(CopyDiskInput in, long start) {
    CopyDiskRequest request =
        CopyDiskRequest.newBuilder()
            .setItemId(in.itemId())
            .setDiskId(in.diskId())
            .setStartChunk(start)
            .build();
    CopyProgress last = followCopy(calls, in.sourceAgent(), request);
    if (last == null || !last.getDone()) {
      throw ApplicationFailure.newFailure(
          "CopyDisk on agent "
              + in.sourceAgent()
              + " ended before disk "
              + in.diskId()
              + " was complete (at chunk "
              + (last == null ? start : last.getNextChunk())
              + "); the next attempt resumes there",
          ErrorType.NETWORK_ERROR.typeName());
    }
    return new DiskCopied(
        in.diskId(), last.getTotalChunks(), last.getBytesSent(), last.getZeroChunksSkipped());
  }

  /**
   * The CopyDisk stream from the agent at {@code address}, followed to its end with a heartbeat of
   * the next chunk per message: the initial copy to a replica and the upload to a cloud site share
   * it. Answers the last progress message, null if the stream sent none.
   */
  static CopyProgress followCopy(AgentCalls calls, String address, CopyDiskRequest request) {
    return calls.followStream(
        "CopyDisk", address, COPY_DEADLINE, s -> s.copyDisk(request), CopyProgress::getNextChunk);
  }
}
