package dev.haven.agent.changelog;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The byte layout of a change log ({@code .hrl}) file. All numbers are big-endian.
 *
 * <pre>
 * header  : magic "HAVENHRL" | version u32 | seq u64 | created-at ms u64 | disk-id length u16 |
 *           disk id (UTF-8) | CRC32C of the preceding header bytes u32
 * record  : kind u8 (1 data, 2 zero) | offset u64 | length u32 | CRC32C of the data u32 |
 *           CRC32C of the preceding 17 bytes u32 | data (data records only)
 * trailer : kind u8 (3) | record count u64 | sealed-at ms u64 | digest of the records (32) |
 *           CRC32C of the preceding 49 bytes u32
 * </pre>
 *
 * The per-record header CRC lets a reader tell a torn or garbled tail from a whole record; the data
 * CRC is the one shipped to the target; the trailer's digest is a {@link LogDigest} of the log's
 * version (1 and 2 differ only in it). New logs are written as {@link #VERSION}.
 */
final class LogFormat {
  static final byte[] MAGIC = "HAVENHRL".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 2;

  /** The oldest version this agent still reads. */
  static final int OLDEST_VERSION = 1;

  static final byte KIND_DATA = 1;
  static final byte KIND_ZERO = 2;
  static final byte KIND_TRAILER = 3;
  static final int RECORD_HEADER_BYTES = 21;
  static final int TRAILER_BYTES = 53;

  /** The largest data record: guest writes larger than this are split into several records. */
  static final int MAX_DATA_RECORD = 4 * 1024 * 1024;

  /** The largest zero record: longer zero ranges are split. */
  static final int MAX_ZERO_RECORD = 1 << 30;

  private LogFormat() {}

  /** The header's fields. */
  record Header(int version, String diskId, long seq, long createdAtMillis, int byteLength) {}

  /** The trailer's fields. */
  record Trailer(long recordCount, long sealedAtMillis, byte[] digest) {}

  static ByteBuffer header(String diskId, long seq, long createdAtMillis) {
    return header(VERSION, diskId, seq, createdAtMillis);
  }

  /** A header of an older {@code version}: the tests write such logs to read them back. */
  static ByteBuffer header(int version, String diskId, long seq, long createdAtMillis) {
    byte[] id = diskId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.allocate(MAGIC.length + 4 + 8 + 8 + 2 + id.length + 4);
    buffer.put(MAGIC).putInt(version).putLong(seq).putLong(createdAtMillis);
    buffer.putShort((short) id.length).put(id);
    buffer.putInt(crc(buffer.array(), 0, buffer.position()));
    return buffer.flip();
  }

  /** Reads a header; throws {@link CorruptLogException} when it is not a whole, valid header. */
  static Header readHeader(DataInputStream in, String fileName) throws IOException {
    try {
      byte[] fixed = new byte[MAGIC.length + 4 + 8 + 8 + 2];
      in.readFully(fixed);
      ByteBuffer fields = ByteBuffer.wrap(fixed);
      byte[] magic = new byte[MAGIC.length];
      fields.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CorruptLogException(fileName + " is not a Haven change log (bad magic)");
      }
      int version = fields.getInt();
      if (version < OLDEST_VERSION || version > VERSION) {
        throw new CorruptLogException(fileName + " has unknown version " + version);
      }
      long seq = fields.getLong();
      long createdAt = fields.getLong();
      int idLength = fields.getShort() & 0xffff;
      byte[] id = new byte[idLength];
      in.readFully(id);
      int storedCrc = in.readInt();
      CRC32C crc = new CRC32C();
      crc.update(fixed);
      crc.update(id);
      if ((int) crc.getValue() != storedCrc) {
        throw new CorruptLogException(fileName + " has a damaged header");
      }
      return new Header(
          version,
          new String(id, StandardCharsets.UTF_8),
          seq,
          createdAt,
          fixed.length + idLength + 4);
    } catch (java.io.EOFException e) {
      throw new CorruptLogException(fileName + " ends inside its header");
    }
  }

  static ByteBuffer recordHeader(byte kind, long offset, int length, int dataCrc) {
    ByteBuffer buffer = ByteBuffer.allocate(RECORD_HEADER_BYTES);
    buffer.put(kind).putLong(offset).putInt(length).putInt(dataCrc);
    buffer.putInt(crc(buffer.array(), 0, 17));
    return buffer.flip();
  }

  static ByteBuffer trailer(long recordCount, long sealedAtMillis, byte[] digest) {
    ByteBuffer buffer = ByteBuffer.allocate(TRAILER_BYTES);
    buffer.put(KIND_TRAILER).putLong(recordCount).putLong(sealedAtMillis).put(digest);
    buffer.putInt(crc(buffer.array(), 0, 49));
    return buffer.flip();
  }

  /** Parses a whole trailer, or answers null when its CRC does not match. */
  static Trailer parseTrailer(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    if (buffer.get() != KIND_TRAILER || crc(bytes, 0, 49) != buffer.getInt(49)) {
      return null;
    }
    long count = buffer.getLong();
    long sealedAt = buffer.getLong();
    byte[] digest = new byte[32];
    buffer.get(digest);
    return new Trailer(count, sealedAt, digest);
  }

  static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }
}
