package dev.haven.agent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.haven.protocol.DiskChunk;
import io.grpc.StatusRuntimeException;
import io.grpc.internal.ReadableBuffers;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The target reads an initial-copy chunk with one copy of its data: the parsed chunk equals the one
 * sent, field for field, and its data is a view of a direct buffer (CRC32C and file write without
 * another copy), whether the transport hands over its buffers or only a stream.
 */
class DirectChunkMarshallerTest {
  private final DirectChunkMarshaller marshaller = new DirectChunkMarshaller();

  private static DiskChunk chunk(int length, long seed) {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    return DiskChunk.newBuilder()
        .setItemId("item-1")
        .setReplicaDiskId("disk-2")
        .setChunkIndex(7)
        .setOffset(7L << 20)
        .setLength(length)
        .setCrc32C(12345)
        .setData(ByteString.copyFrom(data))
        .setLast(true)
        .build();
  }

  @Test
  void R11_aChunkFromTheTransportsBuffersParsesEqualWithDirectData() {
    DiskChunk sent = chunk(1 << 20, 1);
    InputStream stream =
        ReadableBuffers.openStream(ReadableBuffers.wrap(ByteBuffer.wrap(sent.toByteArray())), true);
    DiskChunk got = marshaller.parse(stream);
    assertThat(got).isEqualTo(sent);
    assertThat(got.getData().asReadOnlyByteBuffer().isDirect()).isTrue();
  }

  @Test
  void R11_aChunkFromAPlainStreamAndOneLargerThanTheBufferParseEqual() {
    DiskChunk small = chunk(4096, 2);
    assertThat(marshaller.parse(new ByteArrayInputStream(small.toByteArray()))).isEqualTo(small);
    // 4 MiB: the thread's buffer grows to hold it.
    DiskChunk large = chunk(4 << 20, 3);
    DiskChunk got = marshaller.parse(new ByteArrayInputStream(large.toByteArray()));
    assertThat(got).isEqualTo(large);
    assertThat(got.getData().asReadOnlyByteBuffer().isDirect()).isTrue();
  }

  @Test
  void R11_aZeroChunkWithoutDataParses() {
    DiskChunk zero =
        DiskChunk.newBuilder().setItemId("i").setReplicaDiskId("d").setZero(true).build();
    assertThat(marshaller.parse(new ByteArrayInputStream(zero.toByteArray()))).isEqualTo(zero);
  }

  @Test
  void R11_bytesThatAreNoChunkAreRefused() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThatThrownBy(() -> marshaller.parse(new ByteArrayInputStream(garbage)))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("invalid DiskChunk");
  }
}
