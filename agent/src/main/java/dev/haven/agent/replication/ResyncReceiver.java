package dev.haven.agent.replication;

import dev.haven.agent.ErrorStatus;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.protocol.ResyncBlock;
import dev.haven.protocol.WriteBlocksResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Target side of a resync ({@code PeerService.WriteBlocks}): writes each differing block after
 * checking its CRC32C (of the uncompressed bytes), and on each confirmation forces the image and
 * only then persists the confirmed block, so a resumed resync never skips a block. The last message
 * marks the disk's copy done and records the sequence the resync covered.
 */
final class ResyncReceiver implements StreamObserver<ResyncBlock> {
  private final TargetReplication target;
  private final StreamObserver<WriteBlocksResponse> responses;
  private String itemId;
  private String diskId;
  private Path vmFolder;
  private BlockDevice device;
  private int blockSize;
  private long total;
  private long confirmed;
  private long bytesWritten;
  private boolean done;
  private boolean ended;

  ResyncReceiver(TargetReplication target, StreamObserver<WriteBlocksResponse> responses) {
    this.target = target;
    this.responses = responses;
  }

  @Override
  public void onNext(ResyncBlock block) {
    if (ended) {
      return;
    }
    try {
      if (device == null) {
        begin(block);
      }
      if (!block.getItemId().equals(itemId) || !block.getReplicaDiskId().equals(diskId)) {
        throw new IllegalArgumentException("every block of a stream must name one item and disk");
      }
      if (block.getDone()) {
        finish(block.getCoveredSeq());
      } else if (block.getConfirmThrough() > 0) {
        confirm(block.getConfirmThrough());
      } else {
        write(block);
      }
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void begin(ResyncBlock block) throws IOException {
    ReplicationRecord record = target.activeTarget(block.getItemId(), block.getReplicaDiskId());
    target.claim(block.getReplicaDiskId());
    itemId = block.getItemId();
    diskId = block.getReplicaDiskId();
    vmFolder = target.driver().folder(record.vmId());
    device = target.driver().device(record.vmId(), diskId);
    blockSize = BlockHasher.checkBlockSize(block.getBlockSize());
    total = BlockHasher.blockCount(device.size(), blockSize);
  }

  private void write(ResyncBlock block) throws IOException {
    long index = block.getBlockIndex();
    if (index >= total) {
      throw new IllegalArgumentException("block_index " + index + " is past the disk's end");
    }
    long offset = index * blockSize;
    int length = (int) Math.min(blockSize, device.size() - offset);
    if (block.getLength() != length) {
      throw new IllegalArgumentException("block " + index + " must hold " + length + " bytes");
    }
    ByteBuffer data = WireCompression.unpack(block.getData(), block.getCompressed(), length);
    if (data.remaining() != length || Checksums.crc32c(data.duplicate()) != block.getCrc32C()) {
      throw Status.DATA_LOSS
          .withDescription(
              "block " + index + " of replica disk '" + diskId + "' fails its CRC32C; not written")
          .asRuntimeException();
    }
    device.write(offset, data, false);
    bytesWritten += length;
  }

  /** Forces the image, then stores the confirmed block: progress never runs ahead of data. */
  private void confirm(long through) throws IOException {
    device.flush();
    new ConfirmedBlock(diskId, blockSize, through).write(vmFolder);
    confirmed = through;
  }

  private void finish(long coveredSeq) throws IOException {
    device.flush();
    target.store().update(itemId, r -> resynced(r, diskId, coveredSeq));
    ConfirmedBlock.clear(vmFolder, diskId);
    confirmed = total;
    done = true;
  }

  /**
   * The replica disk now matches the source as of a moment after sequence {@code coveredSeq} was
   * sealed: its copy is done and the next log it accepts is {@code coveredSeq + 1}. No recovery
   * point is recorded: the resynced disk is not a crash-consistent cut until that next log, which
   * the source seals across all disks, is applied.
   */
  static ReplicationRecord resynced(ReplicationRecord r, String diskId, long coveredSeq) {
    Map<String, Long> seqs = new HashMap<>(r.diskSeqs());
    seqs.merge(diskId, coveredSeq, Math::max);
    CopyState copy = r.copy(diskId).orElseThrow();
    return new ReplicationRecord(
            r.version(),
            r.itemId(),
            r.role(),
            r.vmId(),
            r.peerAddress(),
            r.peerVmId(),
            r.active(),
            r.disks(),
            r.lastSealedSeq(),
            r.lastSealedAtMillis(),
            r.lastAckedSeq(),
            r.lastAppliedSeq(),
            Map.copyOf(seqs),
            r.copies(),
            r.recoveryPoints())
        .withCopy(new CopyState(diskId, copy.totalChunks(), copy.totalChunks(), true));
  }

  @Override
  public void onError(Throwable t) {
    end();
  }

  @Override
  public void onCompleted() {
    if (ended) {
      return;
    }
    responses.onNext(
        WriteBlocksResponse.newBuilder()
            .setNextBlock(confirmed)
            .setBytesWritten(bytesWritten)
            .setDone(done)
            .build());
    responses.onCompleted();
    end();
  }

  private void fail(Throwable t) {
    if (!ended) {
      end();
      responses.onError(ErrorStatus.of(t));
    }
  }

  private void end() {
    ended = true;
    if (diskId != null) {
      target.release(diskId);
    }
  }
}
