package dev.haven.agent.replication;

import dev.haven.agent.ErrorStatus;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.disk.TrackedDisk;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.protocol.DiskChunk;
import dev.haven.protocol.WriteChunksResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Target side of the initial copy of one replica disk ({@code PeerService.WriteChunks}). Each chunk
 * is checked (index, range, CRC32C) before any of it is written. Every {@link #CHECKPOINT_EVERY}
 * chunks, the image is forced to disk and only then is the next chunk index stored, so a resumed
 * copy never skips data; those checkpoints are taken in the background ({@link
 * BackgroundCheckpoints}) while the next chunks are written, and the last one, which confirms the
 * copy to the source, inline. Each written chunk is noted in a {@link CopyJournal}, so that a
 * target killed between checkpoints receives again only the chunks that were in flight.
 */
final class ChunkReceiver implements StreamObserver<DiskChunk> {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkReceiver.class);

  /**
   * Progress is stored every this many chunks (and at the end, and when the sender goes away), each
   * time after an fsync of the image: 256 MiB between fsyncs keeps the copy streaming; the {@link
   * CopyJournal} covers the chunks in between.
   */
  static final int CHECKPOINT_EVERY = Integer.getInteger("haven.copy.checkpointChunks", 256);

  private final TargetReplication target;
  private final StreamObserver<WriteChunksResponse> responses;
  private String itemId;
  private String diskId;
  private TrackedDisk device;
  private long totalChunks;
  private long expected = -1;
  private long bytesWritten;
  private boolean lastSeen;
  private boolean ended;
  private ChunkDecoder decoder;
  private Path journalFile;
  private CopyJournal journal;
  private BackgroundCheckpoints checkpoints;
  // Time this stream's thread spent waiting for the image to be forced, for the log.
  private long forceWaitNanos;

  ChunkReceiver(TargetReplication target, StreamObserver<WriteChunksResponse> responses) {
    this.target = target;
    this.responses = responses;
  }

  @Override
  public void onNext(DiskChunk chunk) {
    if (ended) {
      return;
    }
    try {
      if (device == null) {
        begin(chunk);
      }
      write(chunk);
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void begin(DiskChunk chunk) throws IOException {
    ReplicationRecord record = target.activeTarget(chunk.getItemId(), chunk.getReplicaDiskId());
    CopyState copy = record.copy(chunk.getReplicaDiskId()).orElseThrow();
    if (chunk.getChunkIndex() > copy.nextChunk()) {
      throw new PreconditionException(
          "the copy of replica disk '"
              + chunk.getReplicaDiskId()
              + "' must resume at chunk "
              + copy.nextChunk()
              + ", not "
              + chunk.getChunkIndex());
    }
    target.claim(chunk.getReplicaDiskId());
    itemId = chunk.getItemId();
    diskId = chunk.getReplicaDiskId();
    totalChunks = copy.totalChunks();
    expected = chunk.getChunkIndex();
    device = target.driver().device(record.vmId(), diskId);
    decoder = new ChunkDecoder(itemId, diskId, device.size());
    journalFile = CopyJournal.file(target.driver().folder(record.vmId()), diskId);
    journal = CopyJournal.create(journalFile);
    checkpoints = new BackgroundCheckpoints(this::save, expected, "copy-checkpoint-" + diskId);
    if (copy.done()) {
      // The disk is being copied again: until the new copy ends it is not a whole replica.
      target
          .store()
          .update(itemId, r -> r.withCopy(new CopyState(diskId, expected, totalChunks, false)));
    }
  }

  private void write(DiskChunk chunk) throws IOException {
    ChunkDecoder.Decoded d = decoder.decode(chunk, expected);
    if (d.zero()) {
      device.writeZeroes(d.offset(), d.length(), false);
    } else {
      device.writeUncached(d.offset(), d.data());
    }
    journal.written(expected, d.crc32c());
    target.copyTally().written(diskId, expected, chunk.getData().size());
    expected++;
    bytesWritten += d.length();
    if (chunk.getLast()) {
      lastSeen = true;
      checkpoint();
    } else if (expected - checkpoints.offered() >= CHECKPOINT_EVERY
        && !checkpoints.offer(expected)
        && expected - checkpoints.offered() >= 2L * CHECKPOINT_EVERY) {
      // The disk fell a whole interval behind: the stream waits for it rather than letting
      // unsaved progress grow without bound.
      long t = System.nanoTime();
      checkpoints.await();
      forceWaitNanos += System.nanoTime() - t;
      checkpoints.offer(expected);
    }
  }

  /** A background checkpoint: every chunk before {@code next} is written; force, then store. */
  private void save(long next) throws IOException {
    device.flush();
    target.store().update(itemId, r -> r.withCopy(new CopyState(diskId, next, totalChunks, false)));
  }

  /**
   * Forces the image, then stores the next chunk: stored progress never runs ahead of data. A
   * background checkpoint still being taken finishes first, so the stored progress only grows.
   */
  private void checkpoint() throws IOException {
    long t = System.nanoTime();
    if (checkpoints != null) {
      checkpoints.await();
    }
    device.flush();
    forceWaitNanos += System.nanoTime() - t;
    long next = expected;
    boolean done = lastSeen && next >= totalChunks;
    target.store().update(itemId, r -> r.withCopy(new CopyState(diskId, next, totalChunks, done)));
    if (journal != null) {
      journal.reset();
    }
  }

  @Override
  public void onError(Throwable t) {
    // The sender went away: keep what was written, so its retry resumes after it.
    if (!ended && device != null) {
      try {
        checkpoint();
      } catch (IOException | RuntimeException ignored) {
        // Progress stays at the last checkpoint; those chunks are simply sent again.
      }
    }
    end();
  }

  @Override
  public void onCompleted() {
    if (ended) {
      return;
    }
    try {
      if (device == null) {
        throw new IllegalArgumentException("the stream held no chunk");
      }
      checkpoint();
      // The disk is released before the source hears the answer, so that a copy it starts right
      // after (a retry, another pass) does not find the disk still claimed by this one.
      end();
      LOG.info(
          "copy to replica disk {}: {} MiB written; the stream waited {} ms for the image to be"
              + " forced",
          diskId,
          bytesWritten >> 20,
          forceWaitNanos / 1_000_000);
      responses.onNext(
          WriteChunksResponse.newBuilder()
              .setNextChunk(expected)
              .setBytesWritten(bytesWritten)
              .build());
      responses.onCompleted();
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void fail(Throwable t) {
    if (!ended) {
      if (device != null) {
        try {
          checkpoint();
        } catch (IOException | RuntimeException ignored) {
          // Progress stays at the last checkpoint.
        }
      }
      end();
      responses.onError(ErrorStatus.of(t));
    }
  }

  private void end() {
    ended = true;
    if (checkpoints != null) {
      checkpoints.close();
    }
    if (journal != null) {
      try {
        journal.close();
        if (lastSeen && expected >= totalChunks) {
          Files.deleteIfExists(journalFile);
        }
      } catch (IOException ignored) {
        // The journal is only read back after a crash; recovery tolerates any state of it.
      }
    }
    if (diskId != null) {
      target.release(diskId);
    }
  }
}
