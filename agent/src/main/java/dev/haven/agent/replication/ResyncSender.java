package dev.haven.agent.replication;

import com.google.protobuf.UnsafeByteOperations;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.BlockHashBatch;
import dev.haven.protocol.HashBlocksRequest;
import dev.haven.protocol.PeerServiceGrpc;
import dev.haven.protocol.ResyncBlock;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.WriteBlocksResponse;
import dev.haven.protocol.client.AgentChannels;
import io.grpc.Context;
import io.grpc.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source side of a resync of one disk: while the target hashes its replica and streams the hashes,
 * this side hashes its own disk on every core ({@link BlockHasher}, a few batches ahead), compares
 * batch by batch, sends only the blocks that differ (zstd-compressed when asked and worth it), and
 * after a batch, every 16 MiB of blocks sent or every second, a confirmation the target persists.
 * Bytes sent are counted as serialized messages, so framing is included in the figure.
 */
final class ResyncSender {
  private static final Logger LOG = LoggerFactory.getLogger(ResyncSender.class);
  private static final Duration STALL = Duration.ofMinutes(2);
  private static final Duration ANSWER = Duration.ofMinutes(5);

  /**
   * A batch is confirmed once this many differing bytes were sent since the last confirmation, or
   * {@link #CONFIRM_EVERY} after it. Each confirmation costs the target a forced image and an
   * atomically written progress file (several fsyncs): confirming all 128 batches of a quiet 2 GiB
   * disk took about a second, most of such a resync. Confirming by data and time keeps what a
   * resumed resync redoes to 16 MiB of blocks or one second of hashing.
   */
  static final long CONFIRM_BYTES = 16L * 1024 * 1024;

  static final long CONFIRM_EVERY = Duration.ofSeconds(1).toNanos();

  private final AgentChannels channels;

  ResyncSender(AgentChannels channels) {
    this.channels = channels;
  }

  /** The disk pair and options of one resync. */
  record Job(
      String targetAddress,
      String itemId,
      String sourceDiskId,
      String replicaDiskId,
      BlockDevice device,
      long startBlock,
      int blockSize,
      boolean compress,
      long coveredSeq) {}

  /** Runs the resync; answers the final progress (done when the target confirmed every block). */
  ResyncProgress run(Job job, Consumer<ResyncProgress> progress, BooleanSupplier cancelled)
      throws IOException {
    // The hash stream lives in its own cancellable context so that leaving early stops the target.
    Context.CancellableContext context = Context.current().withCancellation();
    Context previous = context.attach();
    BlockingUpload<ResyncBlock, WriteBlocksResponse> upload = null;
    try {
      Iterator<BlockHashBatch> theirs =
          PeerServiceGrpc.newBlockingStub(channels.channel(job.targetAddress()))
              .hashBlocks(
                  HashBlocksRequest.newBuilder()
                      .setItemId(job.itemId())
                      .setReplicaDiskId(job.replicaDiskId())
                      .setStartBlock(job.startBlock())
                      .setBlockSize(job.blockSize())
                      .build());
      BlockHashBatch batch = theirs.next();
      long start = batch.getFirstBlock();
      Counters counters = new Counters(job.sourceDiskId(), batch.getTotalBlocks(), start);
      // A few blocks may wait in the transport, so that it never idles while hashing goes on.
      upload =
          BlockingUpload.start(
              channels.peer(job.targetAddress()).withOnReadyThreshold(1 << 20)::writeBlocks, STALL);
      try (BlockHasher.Batches mine =
          BlockHasher.cachedBatches(job.device(), start, job.blockSize())) {
        if (mine.totalBlocks() != batch.getTotalBlocks()) {
          throw Status.FAILED_PRECONDITION
              .withDescription("the replica disk has another size than the source disk")
              .asRuntimeException();
        }
        while (true) {
          if (cancelled.getAsBoolean()) {
            throw Status.CANCELLED.withDescription("the caller cancelled").asRuntimeException();
          }
          int count = batch.getHashes().size() / BlockHasher.HASH_BYTES;
          if (count > 0) {
            long t = System.nanoTime();
            byte[] ours = mine.next();
            counters.ownHashNanos += System.nanoTime() - t;
            t = System.nanoTime();
            compare(job, upload, batch, ours, counters);
            counters.sendNanos += System.nanoTime() - t;
            if (counters.confirmDue(System.nanoTime())) {
              send(upload, marker(job).setConfirmThrough(counters.next).build(), counters);
            }
            progress.accept(counters.progress(false, 0));
          }
          if (!theirs.hasNext()) {
            break;
          }
          long t = System.nanoTime();
          batch = theirs.next();
          counters.targetHashNanos += System.nanoTime() - t;
        }
      }
      if (counters.next < counters.total) {
        throw Status.UNAVAILABLE
            .withDescription("the target's hash stream ended at block " + counters.next)
            .asRuntimeException();
      }
      send(upload, marker(job).setDone(true).setCoveredSeq(job.coveredSeq()).build(), counters);
      long t = System.nanoTime();
      WriteBlocksResponse answer = upload.finish(ANSWER);
      counters.sendNanos += System.nanoTime() - t;
      LOG.info(
          "resync of disk {}: {} of {} blocks differed; waited {} ms for our hashes, {} ms for"
              + " the target's, {} ms reading and sending blocks",
          job.sourceDiskId(),
          counters.differing,
          counters.total - counters.start,
          counters.ownHashNanos / 1_000_000,
          counters.targetHashNanos / 1_000_000,
          counters.sendNanos / 1_000_000);
      return counters.progress(answer.getDone(), job.coveredSeq());
    } catch (BlockingUpload.Ended e) {
      upload.finish(ANSWER);
      throw Status.INTERNAL.withDescription("the target ended the resync").asRuntimeException();
    } catch (IOException | RuntimeException e) {
      if (upload != null) {
        upload.cancel("the source failed: " + e.getMessage(), e);
      }
      throw e;
    } finally {
      context.detach(previous);
      context.cancel(null);
    }
  }

  private void compare(
      ResyncSender.Job job,
      BlockingUpload<ResyncBlock, WriteBlocksResponse> upload,
      BlockHashBatch batch,
      byte[] mine,
      Counters counters)
      throws IOException {
    byte[] theirs = batch.getHashes().toByteArray();
    if (batch.getFirstBlock() != counters.next || mine.length != theirs.length) {
      throw Status.INTERNAL
          .withDescription("the target's hash batch does not line up at " + counters.next)
          .asRuntimeException();
    }
    int count = theirs.length / BlockHasher.HASH_BYTES;
    for (int i = 0; i < count; i++) {
      if (!BlockHasher.same(mine, theirs, i)) {
        send(upload, block(job, counters.next + i, counters), counters);
      }
    }
    counters.next += count;
  }

  private ResyncBlock block(Job job, long index, Counters counters) throws IOException {
    long offset = index * job.blockSize();
    int length = (int) Math.min(job.blockSize(), job.device().size() - offset);
    byte[] data = new byte[length];
    job.device().read(offset, ByteBuffer.wrap(data));
    ResyncBlock.Builder block =
        marker(job).setBlockIndex(index).setLength(length).setCrc32C(Checksums.crc32c(data));
    byte[] packed = job.compress() ? WireCompression.pack(data) : null;
    if (packed != null) {
      block.setCompressed(true).setData(UnsafeByteOperations.unsafeWrap(packed));
    } else {
      block.setData(UnsafeByteOperations.unsafeWrap(data));
    }
    counters.differing++;
    counters.differingBytes += length;
    return block.build();
  }

  private static ResyncBlock.Builder marker(Job job) {
    return ResyncBlock.newBuilder()
        .setItemId(job.itemId())
        .setReplicaDiskId(job.replicaDiskId())
        .setBlockSize(job.blockSize());
  }

  private static void send(
      BlockingUpload<ResyncBlock, WriteBlocksResponse> upload,
      ResyncBlock message,
      Counters counters) {
    upload.send(message);
    counters.bytesSent += message.getSerializedSize();
  }

  /** What the resync did so far. */
  private static final class Counters {
    final String diskId;
    final long total;
    final long start;
    long next;
    long differing;
    long differingBytes;
    long bytesSent;
    // Where the time went, for the log: waiting on each side's hashing, and sending.
    long ownHashNanos;
    long targetHashNanos;
    long sendNanos;

    long confirmedBytes;
    long confirmedAt = System.nanoTime();

    Counters(String diskId, long total, long next) {
      this.diskId = diskId;
      this.total = total;
      this.next = next;
      this.start = next;
    }

    /** Whether the batch just compared is to be confirmed; if so, counts it as confirmed. */
    boolean confirmDue(long now) {
      if (differingBytes - confirmedBytes < CONFIRM_BYTES && now - confirmedAt < CONFIRM_EVERY) {
        return false;
      }
      confirmedBytes = differingBytes;
      confirmedAt = now;
      return true;
    }

    ResyncProgress progress(boolean done, long coveredSeq) {
      return ResyncProgress.newBuilder()
          .setDiskId(diskId)
          .setNextBlock(next)
          .setTotalBlocks(total)
          .setDifferingBlocks(differing)
          .setDifferingBytes(differingBytes)
          .setBytesSent(bytesSent)
          .setHashBytesReceived((next - start) * BlockHasher.HASH_BYTES)
          .setCoveredSeq(coveredSeq)
          .setDone(done)
          .build();
    }
  }
}
