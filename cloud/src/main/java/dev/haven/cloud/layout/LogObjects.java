package dev.haven.cloud.layout;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The plaintext of change-log objects: {@code HCL1} then records {@code
 * [offset:8][length:4][zero:1] [data]}. A log larger than a part is split at record boundaries (a
 * record larger than a part is split itself), so every part is a valid log of its own and parts
 * apply in order.
 */
public final class LogObjects {
  private static final int MAGIC = 0x48434c31; // "HCL1"
  private static final int RECORD_HEADER = 13;

  private LogObjects() {}

  /** Encodes {@code extents} into parts of at most {@code partBytes} bytes each. */
  public static List<byte[]> encode(Iterable<Extent> extents, int partBytes) {
    if (partBytes < 4096) {
      throw new IllegalArgumentException("a part must hold at least 4096 bytes");
    }
    List<byte[]> parts = new ArrayList<>();
    ByteArrayOutputStream part = newPart();
    for (Extent e : extents) {
      int done = 0;
      while (done < e.length()) {
        int room = partBytes - part.size() - RECORD_HEADER;
        // A data record is not split into slivers: a part with little room left is closed first.
        int least = e.zero() ? 1 : Math.min(512, e.length() - done);
        if (room < least) {
          parts.add(part.toByteArray());
          part = newPart();
          continue;
        }
        int n = e.zero() ? e.length() - done : Math.min(room, e.length() - done);
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER);
        header.putLong(e.offset() + done).putInt(n).put((byte) (e.zero() ? 1 : 0));
        part.writeBytes(header.array());
        if (!e.zero()) {
          part.write(e.data(), done, n);
        }
        done += n;
      }
    }
    if (part.size() > 4 || parts.isEmpty()) {
      parts.add(part.toByteArray());
    }
    return parts;
  }

  /** Reads every record of one part in order; a malformed part is an error naming the object. */
  public static void forEach(String objectKey, byte[] part, Consumer<Extent> visitor) {
    ByteBuffer in = ByteBuffer.wrap(part);
    if (part.length < 4 || in.getInt() != MAGIC) {
      throw new IllegalArgumentException("log object '" + objectKey + "' has no HCL1 header");
    }
    while (in.hasRemaining()) {
      if (in.remaining() < RECORD_HEADER) {
        throw new IllegalArgumentException("log object '" + objectKey + "' ends mid-record");
      }
      long offset = in.getLong();
      int length = in.getInt();
      boolean zero = in.get() != 0;
      if (length < 0 || offset < 0 || (!zero && in.remaining() < length)) {
        throw new IllegalArgumentException("log object '" + objectKey + "' has a bad record");
      }
      if (zero) {
        visitor.accept(Extent.zeros(offset, length));
      } else {
        byte[] data = new byte[length];
        in.get(data);
        visitor.accept(Extent.of(offset, data));
      }
    }
  }

  private static ByteArrayOutputStream newPart() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(4).putInt(MAGIC).array());
    return out;
  }
}
