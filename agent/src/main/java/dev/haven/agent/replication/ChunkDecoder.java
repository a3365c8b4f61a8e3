package dev.haven.agent.replication;

import dev.haven.agent.changelog.Checksums;
import dev.haven.protocol.DiskChunk;
import io.grpc.Status;
import java.nio.ByteBuffer;

/**
 * Turns each chunk of one initial-copy stream into the bytes to write, refusing, before anything is
 * written, a chunk that is not the one expected (item, disk, index, offset, length), a zero chunk
 * with data, and data whose size or CRC32C is wrong. Data is unpacked into one direct buffer,
 * aligned for a write that bypasses the page cache, and reused for every chunk of the stream.
 */
final class ChunkDecoder {
  /** Alignment of the chunk buffer: file systems' O_DIRECT needs at most the page size. */
  private static final int ALIGNMENT = 4096;

  /**
   * A checked chunk: where it goes, its CRC32C (of zeroes for a zero chunk), and its bytes, or null
   * for a zero chunk. {@code data} is valid until the next chunk is decoded.
   */
  record Decoded(long offset, int length, int crc32c, ByteBuffer data) {
    boolean zero() {
      return data == null;
    }
  }

  private final String itemId;
  private final String diskId;
  private final long diskSize;
  private ByteBuffer scratch;
  private int zeroCrcLength = -1;
  private int zeroCrc;

  ChunkDecoder(String itemId, String diskId, long diskSize) {
    this.itemId = itemId;
    this.diskId = diskId;
    this.diskSize = diskSize;
  }

  /** Checks {@code chunk} as chunk {@code expected} of the stream and answers what to write. */
  Decoded decode(DiskChunk chunk, long expected) {
    if (!chunk.getItemId().equals(itemId) || !chunk.getReplicaDiskId().equals(diskId)) {
      throw new IllegalArgumentException(
          "every chunk of a stream must name the same item and disk");
    }
    if (chunk.getChunkIndex() != expected) {
      throw new IllegalArgumentException(
          "chunk_index: expected " + expected + ", got " + chunk.getChunkIndex());
    }
    long offset = CopyPlan.chunkOffset(expected);
    int length = CopyPlan.chunkLength(diskSize, expected);
    if (chunk.getOffset() != offset || chunk.getLength() != length) {
      throw new IllegalArgumentException(
          "chunk "
              + expected
              + " must cover offset "
              + offset
              + " and length "
              + length
              + ", got offset "
              + chunk.getOffset()
              + " and length "
              + chunk.getLength());
    }
    if (chunk.getZero()) {
      if (!chunk.getData().isEmpty()) {
        throw new IllegalArgumentException("data: a zero chunk carries no data");
      }
      return new Decoded(offset, length, zeroCrc(length), null);
    }
    ByteBuffer data =
        direct(WireCompression.unpack(chunk.getData(), chunk.getCompressed(), length));
    if (data.remaining() != length) {
      throw new IllegalArgumentException(
          "data: chunk " + expected + " holds " + data.remaining() + " bytes, not " + length);
    }
    if (Checksums.crc32c(data.duplicate()) != chunk.getCrc32C()) {
      throw Status.DATA_LOSS
          .withDescription(
              "chunk "
                  + expected
                  + " of replica disk '"
                  + diskId
                  + "' fails its CRC32C;"
                  + " nothing of it was written")
          .asRuntimeException();
    }
    return new Decoded(offset, length, chunk.getCrc32C(), data);
  }

  /**
   * The chunk's bytes in this stream's direct buffer, aligned for a write that bypasses the page
   * cache: one copy, after which the CRC32C runs on it directly and the file write needs no bounce
   * buffer (a read-only heap buffer costs a copy for each).
   */
  private ByteBuffer direct(ByteBuffer data) {
    if (data.remaining() > CopyPlan.CHUNK_BYTES) {
      return data;
    }
    if (scratch == null) {
      scratch = ByteBuffer.allocateDirect(CopyPlan.CHUNK_BYTES + ALIGNMENT).alignedSlice(ALIGNMENT);
    }
    scratch.clear();
    scratch.put(data).flip();
    return scratch;
  }

  private int zeroCrc(int length) {
    if (length != zeroCrcLength) {
      zeroCrc = Checksums.crc32c(ByteBuffer.allocate(length));
      zeroCrcLength = length;
    }
    return zeroCrc;
  }
}
