package dev.haven.agent.service;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.haven.protocol.DiskChunk;
import io.grpc.HasByteBuffer;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Reads an initial-copy chunk ({@code DiskChunk}) at the target with one copy of its data instead
 * of two. gRPC's protobuf marshaller copies the received bytes into an array and parses the array
 * into a new one for the {@code data} field. Here the message's bytes are copied once, from the
 * transport's buffers into a direct buffer of the receiving thread, and parsed with aliasing, so
 * {@code data} is a view of that buffer. (The receiver copies it once more, into a page-aligned
 * buffer, for a write that bypasses the page cache.)
 *
 * <p>The view is valid until the thread parses its next chunk. gRPC parses each message of a server
 * call on the thread that then hands it to the call's listener, and the next parse on that thread
 * comes after the listener returned, so a receiver that is done with a chunk when {@code onNext}
 * returns (as {@link dev.haven.agent.replication.TargetReplication#receiveChunks} is: it writes the
 * chunk before returning) never sees it change. Nothing else may keep a parsed chunk.
 */
final class DirectChunkMarshaller implements MethodDescriptor.Marshaller<DiskChunk> {
  private static final MethodDescriptor.Marshaller<DiskChunk> PROTO =
      ProtoUtils.marshaller(DiskChunk.getDefaultInstance());

  /** A chunk of 1 MiB with its fields fits at first; a larger message grows the buffer. */
  private static final int INITIAL_BYTES = 1024 * 1024 + 4096;

  private static final ThreadLocal<ByteBuffer> BUFFERS =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(INITIAL_BYTES));

  @Override
  public InputStream stream(DiskChunk value) {
    return PROTO.stream(value);
  }

  @Override
  public DiskChunk parse(InputStream stream) {
    try {
      ByteBuffer buffer = read(stream);
      CodedInputStream input = UnsafeByteOperations.unsafeWrap(buffer).newCodedInput();
      input.enableAliasing(true);
      input.setSizeLimit(Integer.MAX_VALUE);
      return DiskChunk.parser().parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL
          .withDescription("invalid DiskChunk message")
          .withCause(e)
          .asRuntimeException();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read a DiskChunk message")
          .withCause(e)
          .asRuntimeException();
    } finally {
      try {
        stream.close();
      } catch (IOException ignored) {
        // The transport's buffers are released either way.
      }
    }
  }

  /** The whole message in this thread's direct buffer, flipped for reading. */
  private static ByteBuffer read(InputStream stream) throws IOException {
    ByteBuffer buffer = BUFFERS.get();
    buffer.clear();
    if (stream instanceof HasByteBuffer direct && direct.byteBufferSupported()) {
      // The transport's buffers, copied as they are (direct to direct, no array in between).
      ByteBuffer piece;
      while (stream.available() > 0 && (piece = direct.getByteBuffer()) != null) {
        int n = piece.remaining();
        buffer = room(buffer, n);
        buffer.put(piece);
        stream.skip(n);
      }
    }
    byte[] rest = new byte[8192];
    int n;
    while ((n = stream.read(rest)) > 0) {
      buffer = room(buffer, n);
      buffer.put(rest, 0, n);
    }
    return buffer.flip();
  }

  /**
   * {@code buffer}, or a larger copy of it (kept for this thread) when {@code n} more do not fit.
   */
  private static ByteBuffer room(ByteBuffer buffer, int n) {
    if (buffer.remaining() >= n) {
      return buffer;
    }
    ByteBuffer larger =
        ByteBuffer.allocateDirect(Math.max(buffer.capacity() * 2, buffer.position() + n));
    larger.put(buffer.flip());
    BUFFERS.set(larger);
    return larger;
  }
}
