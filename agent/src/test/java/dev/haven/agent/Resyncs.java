package dev.haven.agent;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/** Steps that resync tests share: run a resync, fill a disk, make blocks differ. */
final class Resyncs {
  static final int BLOCK = 64 * 1024;

  private Resyncs() {}

  static ResyncDiskRequest request(String itemId, String diskId, long startBlock, boolean zstd) {
    return ResyncDiskRequest.newBuilder()
        .setItemId(itemId)
        .setDiskId(diskId)
        .setStartBlock(startBlock)
        .setCompress(zstd)
        .build();
  }

  /** Runs a resync to its end and answers every progress message. */
  static List<ResyncProgress> run(TwoAgents agents, ResyncDiskRequest request)
      throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      try {
        List<ResyncProgress> progress = new ArrayList<>();
        agents.agentA().resyncDisk(request).forEachRemaining(progress::add);
        return progress;
      } catch (StatusRuntimeException e) {
        // A cancelled run may still hold the disk for a moment on either side.
        if (e.getStatus().getCode() != Status.Code.ABORTED || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  static ResyncProgress last(List<ResyncProgress> progress) {
    return progress.get(progress.size() - 1);
  }

  /**
   * Starts a resync and cancels it once progress reaches {@code block}, as a worker that dies
   * would; answers that progress.
   */
  static ResyncProgress runUntil(TwoAgents agents, ResyncDiskRequest request, long block)
      throws Exception {
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      return context.call(
          () -> {
            Iterator<ResyncProgress> stream = agents.agentA().resyncDisk(request);
            while (stream.hasNext()) {
              ResyncProgress p = stream.next();
              if (p.getNextBlock() >= block) {
                return p;
              }
            }
            throw new AssertionError("the resync ended before block " + block);
          });
    } finally {
      context.cancel(null);
    }
  }

  /** Fills a whole disk with random bytes. */
  static void fillRandom(BlockDevice device, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] data = new byte[1024 * 1024];
    for (long offset = 0; offset < device.size(); offset += data.length) {
      random.nextBytes(data);
      device.write(
          offset,
          ByteBuffer.wrap(data, 0, (int) Math.min(data.length, device.size() - offset)),
          false);
    }
    device.flush();
  }

  /** Copies every byte of {@code from} onto {@code to}, as a restore from media would. */
  static void copyImage(BlockDevice from, BlockDevice to) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1024 * 1024);
    for (long offset = 0; offset < from.size(); offset += buffer.capacity()) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), from.size() - offset));
      from.read(offset, buffer);
      buffer.flip();
      to.write(offset, buffer, false);
    }
    to.flush();
  }

  /** Overwrites one byte in each of {@code blocks} blocks, so that exactly those blocks differ. */
  static void touchBlocks(BlockDevice device, long... blocks) throws IOException {
    for (long block : blocks) {
      ByteBuffer one = ByteBuffer.allocate(1);
      long offset = block * BLOCK + 4097;
      device.read(offset, one);
      byte b = (byte) (one.get(0) ^ 0x5a);
      device.write(offset, ByteBuffer.wrap(new byte[] {b}), false);
    }
    device.flush();
  }
}
