package dev.haven.agent.replication;

import dev.haven.agent.disk.BlockDevice;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A read-only view of one replica disk as it was at a recovery point, while the replica keeps
 * applying newer logs (R27). A read takes the replica's current bytes first and then lays over them
 * the old contents that the undo journals of every log after the point saved, newest first, so that
 * the oldest journal after the point has the last word: that is the block as it was at the point.
 *
 * <p>The order makes it safe against a log being applied at the same time: a log's journal is
 * renamed into place, whole and forced, before the log touches the replica. So if the replica's
 * block changed before it was read, the journal that holds its old contents is already listed when
 * the journals are looked at afterwards. Journals are immutable once in place; each is indexed once
 * (by sequence, size and modification time) and its data read on demand.
 */
final class PointView {
  private static final long MAGIC = 0x48564e554e444f31L; // "HVNUNDO1", as UndoJournal writes
  private static final int KIND_DATA = 1;
  private static final int KIND_ZERO = 2;
  private static final int KIND_END = 0xff;

  /** One saved extent of a journal: where on the disk, and where its data sits in the file. */
  private record Piece(long offset, int length, boolean zero, long filePosition) {}

  private record Index(long bytes, long modified, List<Piece> pieces) {}

  private final BlockDevice replica;
  private final Path undoFolder;
  private final String replicaDiskId;
  private final long pointSeq;
  private final Map<Path, Index> indexes = new ConcurrentHashMap<>();

  PointView(BlockDevice replica, Path undoFolder, String replicaDiskId, long pointSeq) {
    this.replica = replica;
    this.undoFolder = undoFolder;
    this.replicaDiskId = replicaDiskId;
    this.pointSeq = pointSeq;
  }

  long size() {
    return replica.size();
  }

  /** Fills {@code dst} (its remaining bytes) with the disk at the point, from {@code offset}. */
  void read(long offset, ByteBuffer dst) throws IOException {
    int start = dst.position();
    int length = dst.remaining();
    replica.read(offset, dst.duplicate());
    List<RetentionPruner.Journal> journals = RetentionPruner.journals(undoFolder, replicaDiskId);
    for (int i = journals.size() - 1; i >= 0; i--) {
      RetentionPruner.Journal journal = journals.get(i);
      if (journal.seq() <= pointSeq) {
        break;
      }
      overlay(journal.file(), offset, dst, start, length);
    }
    dst.position(start + length);
  }

  private void overlay(Path journal, long offset, ByteBuffer dst, int start, int length)
      throws IOException {
    long end = offset + length;
    List<Piece> pieces = index(journal).pieces();
    try (FileChannel file = FileChannel.open(journal, StandardOpenOption.READ)) {
      for (Piece piece : pieces) {
        long from = Math.max(offset, piece.offset());
        long to = Math.min(end, piece.offset() + piece.length());
        if (from >= to) {
          continue;
        }
        int at = start + (int) (from - offset);
        int n = (int) (to - from);
        ByteBuffer slice = dst.duplicate().position(at).limit(at + n);
        if (piece.zero()) {
          while (slice.hasRemaining()) {
            slice.put((byte) 0);
          }
        } else {
          long position = piece.filePosition() + (from - piece.offset());
          while (slice.hasRemaining()) {
            if (file.read(slice, position + (n - slice.remaining())) < 0) {
              throw new EOFException("undo journal " + journal.getFileName() + " is cut short");
            }
          }
        }
      }
    }
  }

  private Index index(Path journal) throws IOException {
    long bytes = Files.size(journal);
    long modified = Files.getLastModifiedTime(journal).toMillis();
    Index known = indexes.get(journal);
    if (known != null && known.bytes() == bytes && known.modified() == modified) {
      return known;
    }
    Index built = new Index(bytes, modified, pieces(journal));
    indexes.put(journal, built);
    return built;
  }

  /** Where each saved extent of a journal lies; the data is skipped, not read. */
  private static List<Piece> pieces(Path journal) throws IOException {
    List<Piece> out = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(journal);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
      if (in.readLong() != MAGIC) {
        throw new IOException("undo journal " + journal.getFileName() + " has no valid header");
      }
      in.readLong();
      int digest = in.readInt();
      in.skipNBytes(digest);
      long position = 8 + 8 + 4 + digest;
      while (true) {
        int kind = in.readUnsignedByte();
        position++;
        if (kind == KIND_END) {
          return out;
        }
        long offset = in.readLong();
        int length = in.readInt();
        in.readInt();
        position += 8 + 4 + 4;
        if (kind != KIND_DATA && kind != KIND_ZERO) {
          throw new IOException("undo journal " + journal.getFileName() + " has a damaged piece");
        }
        out.add(new Piece(offset, length, kind == KIND_ZERO, position));
        if (kind == KIND_DATA) {
          in.skipNBytes(length);
          position += length;
        }
      }
    }
  }
}
