package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.TrackedDisk;
import dev.haven.protocol.BlockHashBatch;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R15: the target's hash stream is driven by the call's readiness. A drain sends while the call is
 * ready and returns at once when it is not (a drain that waited would hold back the on-ready event
 * it waits for, since gRPC runs a call's handlers one at a time); the next on-ready event goes on
 * where it stopped, and the batches sent add up to the hashes of the whole disk.
 */
class HashBatchPumpTest {
  private static final int BLOCK = 64 * 1024;
  // 600 blocks: three batches, the last one short.
  private static final long SIZE = 600L * BLOCK;

  @TempDir Path dir;
  private TrackedDisk disk;

  @BeforeEach
  void open() throws IOException {
    Path image = dir.resolve("disk-1.img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(SIZE);
    }
    disk = TrackedDisk.open(image, SIZE, "disk-1");
    byte[] data = new byte[(int) SIZE];
    new SplittableRandom(11).nextBytes(data);
    disk.write(0, ByteBuffer.wrap(data), false);
  }

  @AfterEach
  void close() throws IOException {
    disk.close();
  }

  @Test
  void R15_drainSendsWhileReadyAndResumesOnTheNextReadyEvent() throws IOException {
    FakeCall call = new FakeCall();
    HashBatchPump pump = new HashBatchPump(call);
    pump.open(BlockHasher.batches(disk, null, 0, BLOCK), 0, SIZE / BLOCK);

    call.readyFor = 1;
    pump.drain();
    assertThat(call.sent).hasSize(1);
    assertThat(call.completed).isFalse();

    // Not ready: the drain returns without sending or waiting.
    pump.drain();
    assertThat(call.sent).hasSize(1);

    // The on-ready event: the rest goes, then the call completes.
    call.readyFor = Integer.MAX_VALUE;
    pump.drain();
    assertThat(call.completed).isTrue();
    assertThat(call.sent).extracting(BlockHashBatch::getFirstBlock).containsExactly(0L, 256L, 512L);
    assertThat(call.sent).allSatisfy(b -> assertThat(b.getTotalBlocks()).isEqualTo(600));
    assertThat(concat(call.sent)).isEqualTo(hashesOfTheWholeDisk());

    // A late on-ready event after the end sends nothing more.
    pump.drain();
    assertThat(call.sent).hasSize(3);
  }

  @Test
  void R15_aStreamThatStartsAtTheEndSendsOneEmptyBatch() throws IOException {
    FakeCall call = new FakeCall();
    HashBatchPump pump = new HashBatchPump(call);
    pump.open(BlockHasher.batches(disk, null, 600, BLOCK), 600, 600);
    call.readyFor = Integer.MAX_VALUE;
    pump.drain();
    assertThat(call.sent).hasSize(1);
    assertThat(call.sent.get(0).getFirstBlock()).isEqualTo(600);
    assertThat(call.sent.get(0).getHashes().isEmpty()).isTrue();
    assertThat(call.completed).isTrue();
  }

  @Test
  void R15_aCancelledStreamSendsNothingMore() throws IOException {
    FakeCall call = new FakeCall();
    HashBatchPump pump = new HashBatchPump(call);
    pump.open(BlockHasher.batches(disk, null, 0, BLOCK), 0, 600);
    call.readyFor = 1;
    pump.drain();
    pump.close();
    call.readyFor = Integer.MAX_VALUE;
    pump.drain();
    assertThat(call.sent).hasSize(1);
    assertThat(call.completed).isFalse();
  }

  private byte[] hashesOfTheWholeDisk() throws IOException {
    List<BlockHashBatch> all = new ArrayList<>();
    try (BlockHasher.Batches batches = BlockHasher.batches(disk, null, 0, BLOCK)) {
      while (batches.hasNext()) {
        all.add(
            BlockHashBatch.newBuilder()
                .setHashes(com.google.protobuf.ByteString.copyFrom(batches.next()))
                .build());
      }
    }
    return concat(all);
  }

  private static byte[] concat(List<BlockHashBatch> batches) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (BlockHashBatch b : batches) {
      out.writeBytes(b.getHashes().toByteArray());
    }
    return out.toByteArray();
  }

  /** A server call that is ready for {@link #readyFor} more messages and records what it got. */
  private static final class FakeCall extends ServerCallStreamObserver<BlockHashBatch> {
    final List<BlockHashBatch> sent = new ArrayList<>();
    int readyFor;
    boolean completed;
    Throwable error;

    @Override
    public boolean isReady() {
      return readyFor > 0;
    }

    @Override
    public void onNext(BlockHashBatch value) {
      if (readyFor <= 0) {
        throw new AssertionError("sent while the call was not ready");
      }
      readyFor--;
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }
}
