package dev.haven.agent.nbd;

import static dev.haven.agent.nbd.NbdConstants.CMD_FLAG_FUA;
import static dev.haven.agent.nbd.NbdConstants.REQUEST_MAGIC;

import java.nio.ByteBuffer;

/**
 * One transmission request header. The length is an unsigned 32-bit field and the offset an
 * unsigned 64-bit one, so an offset of 2^63 or more shows up here as a negative number.
 */
record NbdRequest(int flags, int type, long handle, long offset, long length) {

  /** Bytes of a request header on the wire. */
  static final int SIZE = 28;

  /** Parses a header from {@code header}'s next {@link #SIZE} bytes. */
  static NbdRequest parse(ByteBuffer header) throws NbdProtocolException {
    int magic = header.getInt();
    if (magic != REQUEST_MAGIC) {
      // Without the magic the stream is out of step, and nothing after it can be trusted.
      throw new NbdProtocolException("bad request magic 0x" + Integer.toHexString(magic));
    }
    int flags = Short.toUnsignedInt(header.getShort());
    int type = Short.toUnsignedInt(header.getShort());
    long handle = header.getLong();
    long offset = header.getLong();
    long length = Integer.toUnsignedLong(header.getInt());
    return new NbdRequest(flags, type, handle, offset, length);
  }

  /** Whether the client asked for the data to be durable before the reply. */
  boolean fua() {
    return (flags & CMD_FLAG_FUA) != 0;
  }

  /** Whether the whole range lies inside a device of {@code size} bytes. */
  boolean within(long size) {
    return offset >= 0 && offset <= size && length <= size - offset;
  }
}
