package dev.haven.agent.replication;

import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The chunks a target wrote in one stream of an initial copy, one 16-byte record each (chunk index,
 * the chunk's CRC32C, the record's own CRC32C), appended without an fsync. Checkpoints taken while
 * the stream goes on leave it alone (chunks after theirs are being written meanwhile), so it holds
 * records from before the stored checkpoint too; recovery skips those.
 *
 * <p>Checkpoints force the image and are therefore rare (every {@link
 * ChunkReceiver#CHECKPOINT_EVERY} chunks); without this journal a target killed between two would
 * receive every chunk since the last one again. After a restart, {@link #recover} re-reads each
 * journalled chunk from the image and keeps the run of chunks, from the checkpoint on, whose bytes
 * still match their CRC32C: a killed process loses nothing the kernel already holds, so only the
 * chunks in flight are sent again; after a power loss, a chunk whose bytes did not reach the disk
 * fails its check and is sent again, so trusting the journal never skips data.
 */
final class CopyJournal implements AutoCloseable {
  private static final int RECORD_BYTES = 16;

  private final FileChannel channel;
  private final ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES);

  private CopyJournal(FileChannel channel) {
    this.channel = channel;
  }

  /** The journal of {@code replicaDiskId}, beside its image in the replica VM's folder. */
  static Path file(Path vmFolder, String replicaDiskId) {
    return vmFolder.resolve(replicaDiskId + ".copy-journal");
  }

  /** Opens the journal empty: what it held is covered by the stored checkpoint or recovered. */
  static CopyJournal create(Path file) throws IOException {
    return new CopyJournal(
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING));
  }

  /** Records that chunk {@code index}, whose bytes have CRC32C {@code crc}, is in the image. */
  void written(long index, int crc) throws IOException {
    record.clear().putLong(index).putInt(crc);
    record.putInt(Checksums.crc32c(record.duplicate().flip()));
    record.flip();
    while (record.hasRemaining()) {
      channel.write(record);
    }
  }

  /** Empties the journal after a checkpoint stored every chunk it names (a stream's last). */
  void reset() throws IOException {
    channel.truncate(0);
    channel.position(0);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /**
   * The first chunk not known to be in {@code image}: {@code checkpoint} (the stored next chunk)
   * advanced over the journalled chunks that follow it in order and whose bytes in the image still
   * have their CRC32C. A torn record, or a gap, ends the run.
   */
  static long recover(Path file, long checkpoint, BlockDevice image) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return checkpoint;
    }
    ByteBuffer records = ByteBuffer.wrap(bytes);
    ByteBuffer chunk = ByteBuffer.allocateDirect(CopyPlan.CHUNK_BYTES);
    long next = checkpoint;
    long total = CopyPlan.chunkCount(image.size());
    while (records.remaining() >= RECORD_BYTES && next < total) {
      ByteBuffer fields = records.slice(records.position(), 12);
      long index = records.getLong();
      int crc = records.getInt();
      int check = records.getInt();
      if (Checksums.crc32c(fields) != check || index > next) {
        break;
      }
      if (index < next) {
        // A resumed stream may start below the checkpoint; those chunks are stored already.
        continue;
      }
      chunk.clear().limit(CopyPlan.chunkLength(image.size(), index));
      image.read(CopyPlan.chunkOffset(index), chunk);
      if (Checksums.crc32c(chunk.flip()) != crc) {
        break;
      }
      next++;
    }
    return next;
  }
}
