package dev.haven.agent.replication;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;

/**
 * zstd on the wire when the item's policy asks (R9): level 1, the fastest, because the copy must
 * keep up with the network, and only when it pays: data that does not shrink below 95% of its size
 * (random, already compressed or encrypted) goes raw, so incompressible disks cost only the try.
 */
final class WireCompression {
  static final double WORTH = 0.95;

  private WireCompression() {}

  /** The compressed bytes of {@code data} (not consumed), or null when they would not pay. */
  static byte[] pack(ByteBuffer data) {
    byte[] raw = new byte[data.remaining()];
    data.duplicate().get(raw);
    return pack(raw);
  }

  static byte[] pack(byte[] raw) {
    byte[] packed = Zstd.compress(raw, 1);
    return packed.length < raw.length * WORTH ? packed : null;
  }

  /** The raw bytes of a message's data (no copy when it came raw). */
  static ByteBuffer unpack(ByteString data, boolean compressed, int length) {
    return compressed
        ? ByteBuffer.wrap(Zstd.decompress(data.toByteArray(), length))
        : data.asReadOnlyByteBuffer();
  }
}
