package dev.haven.agent.replication;

import dev.haven.agent.changelog.CorruptLogException;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.disk.Zeros;
import dev.haven.agent.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The undo journal of one log applied to one replica disk: the contents that the blocks it
 * overwrote held before, as {@code <vmFolder>/undo/<diskId>-<seq>.undo}. Written whole (to a
 * temporary file, forced, renamed, folder forced) before the log touches the replica, so that
 * undoing newer logs in reverse order rebuilds any older recovery point byte-exactly.
 *
 * <p>The file names the log it belongs to (its digest and seal time): when an apply is redone after
 * a crash the journal of the same log is kept as it is (the replica may already hold some of the
 * new data, which must never be recorded as "old"), while a journal left from an earlier
 * replication of the item (another log with the same sequence) is rebuilt. Runs of zeros are stored
 * as markers. Every piece carries a CRC32C over its place and data, and a trailer counts the
 * pieces.
 */
final class UndoJournal {
  static final int BLOCK = 4096;
  private static final int PIECE = 1 << 20;
  private static final long MAGIC = 0x48564e554e444f31L; // "HVNUNDO1"
  private static final int KIND_DATA = 1;
  private static final int KIND_ZERO = 2;
  private static final int KIND_END = 0xff;

  private UndoJournal() {}

  static Path folder(Path vmFolder) {
    return vmFolder.resolve("undo");
  }

  static Path file(Path vmFolder, String diskId, long seq) {
    return folder(vmFolder).resolve(String.format("%s-%012d.undo", diskId, seq));
  }

  /**
   * Saves what {@code device} holds in {@code extents} (sorted, disjoint) unless a journal of the
   * log identified by {@code logDigest} (its digest and seal time) is already there. Answers the
   * journal's file.
   */
  static Path record(
      Path vmFolder,
      String diskId,
      long seq,
      byte[] logDigest,
      List<long[]> extents,
      BlockDevice device)
      throws IOException {
    Path target = file(vmFolder, diskId, seq);
    if (Files.exists(target) && Arrays.equals(digestOf(target), logDigest)) {
      return target;
    }
    Files.createDirectories(target.getParent());
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      DataOutputStream out =
          new DataOutputStream(
              new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
      out.writeLong(MAGIC);
      out.writeLong(seq);
      out.writeInt(logDigest.length);
      out.write(logDigest);
      long pieces = 0;
      ByteBuffer buffer = ByteBuffer.allocate(PIECE);
      for (long[] extent : extents) {
        for (long at = extent[0]; at < extent[1]; at += PIECE) {
          int length = (int) Math.min(PIECE, extent[1] - at);
          buffer.clear().limit(length);
          device.read(at, buffer);
          buffer.flip();
          boolean zero = Zeros.isAllZero(buffer.duplicate());
          writePiece(out, zero, at, length, zero ? null : buffer);
          pieces++;
        }
      }
      out.writeByte(KIND_END);
      out.writeLong(pieces);
      out.flush();
      channel.force(true);
    }
    AtomicFiles.moveAtomically(temp, target);
    return target;
  }

  private static void writePiece(
      DataOutputStream out, boolean zero, long offset, int length, ByteBuffer data)
      throws IOException {
    out.writeByte(zero ? KIND_ZERO : KIND_DATA);
    out.writeLong(offset);
    out.writeInt(length);
    out.writeInt(crc(zero, offset, length, data));
    if (!zero) {
      out.write(data.array(), data.arrayOffset() + data.position(), length);
    }
  }

  private static int crc(boolean zero, long offset, int length, ByteBuffer data) {
    CRC32C crc = new CRC32C();
    ByteBuffer place = ByteBuffer.allocate(13).put((byte) (zero ? 1 : 0));
    crc.update(place.putLong(offset).putInt(length).flip());
    if (data != null) {
      crc.update(data.duplicate());
    }
    return (int) crc.getValue();
  }

  /** The digest of the log a journal belongs to, or null when it cannot be read. */
  private static byte[] digestOf(Path file) {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      if (in.readLong() != MAGIC) {
        return null;
      }
      in.readLong();
      byte[] digest = new byte[in.readInt()];
      in.readFully(digest);
      return digest;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Reads a whole journal, checking every piece and the trailer; nothing is written. */
  static void verify(Path file) throws IOException {
    read(file, null);
  }

  /** Writes the saved contents back onto {@code device}, checking each piece before it. */
  static void restore(Path file, BlockDevice device) throws IOException {
    read(file, device);
  }

  private static void read(Path file, BlockDevice device) throws IOException {
    String name = file.getFileName().toString();
    if (!Files.exists(file)) {
      throw new CorruptLogException("undo journal " + name + " is missing");
    }
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      if (in.readLong() != MAGIC) {
        throw new CorruptLogException("undo journal " + name + " has no valid header");
      }
      in.readLong();
      in.skipNBytes(in.readInt());
      long pieces = 0;
      while (true) {
        int kind = in.readUnsignedByte();
        if (kind == KIND_END) {
          if (in.readLong() != pieces) {
            throw new CorruptLogException("undo journal " + name + " lost pieces");
          }
          return;
        }
        long offset = in.readLong();
        int length = in.readInt();
        int expected = in.readInt();
        if ((kind != KIND_DATA && kind != KIND_ZERO) || length <= 0 || length > PIECE) {
          throw new CorruptLogException("undo journal " + name + " has a damaged piece");
        }
        ByteBuffer data = null;
        if (kind == KIND_DATA) {
          byte[] bytes = new byte[length];
          in.readFully(bytes);
          data = ByteBuffer.wrap(bytes);
        }
        if (crc(kind == KIND_ZERO, offset, length, data) != expected) {
          throw new CorruptLogException(
              "undo journal " + name + ": piece " + pieces + " fails its CRC32C");
        }
        if (device != null) {
          if (data == null) {
            device.writeZeroes(offset, length, false);
          } else {
            device.write(offset, data, false);
          }
        }
        pieces++;
      }
    } catch (EOFException e) {
      throw new CorruptLogException("undo journal " + name + " is cut short");
    }
  }

  /** Removes a temporary journal that a crash left half-written. */
  static void deleteTemporary(Path vmFolder, String diskId, long seq) throws IOException {
    Path target = file(vmFolder, diskId, seq);
    Files.deleteIfExists(target.resolveSibling(target.getFileName() + ".tmp"));
  }

  /** Sorted, disjoint extents covering every range in {@code ranges}, widened to whole blocks. */
  static List<long[]> blocks(List<long[]> ranges, long diskSize) {
    List<long[]> widened =
        ranges.stream()
            .map(r -> new long[] {r[0] / BLOCK * BLOCK, Math.min(diskSize, ceil(r[0] + r[1]))})
            .sorted((x, y) -> Long.compare(x[0], y[0]))
            .toList();
    java.util.ArrayList<long[]> merged = new java.util.ArrayList<>();
    for (long[] r : widened) {
      if (!merged.isEmpty() && merged.get(merged.size() - 1)[1] >= r[0]) {
        long[] last = merged.get(merged.size() - 1);
        last[1] = Math.max(last[1], r[1]);
      } else {
        merged.add(new long[] {r[0], r[1]});
      }
    }
    return merged;
  }

  private static long ceil(long at) {
    return (at + BLOCK - 1) / BLOCK * BLOCK;
  }
}
