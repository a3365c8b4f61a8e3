package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceStub;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.ImageChunk;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.ImageUploader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R5 import by upload, against a real agent over mutual TLS: a raw or qcow2 image streamed in
 * checksummed chunks becomes a VM whose disk holds exactly the image's (raw) bytes; a foreign,
 * corrupt, empty or damaged upload is refused, and a client that goes away mid-upload leaves
 * neither a VM nor a temp file.
 */
class ImageUploadTest {
  private static final long SIZE = 24L << 20;

  @TempDir static Path root;
  static TwoAgents agents;

  @BeforeAll
  static void start() throws Exception {
    agents = TwoAgents.start(root);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  private static AgentServiceStub agent() {
    return agents
        .client()
        .agentAsync(agents.a.grpcAddress())
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static CreateVmRequest spec(String name) {
    return CreateVmRequest.newBuilder()
        .setName(name)
        .setCpus(1)
        .setMemoryMib(256)
        .addNetworks("lan")
        .build();
  }

  @Test
  void R5_uploadedRawAndQcow2ImagesBecomeDisksWithTheImagesBytes() throws Exception {
    Path raw = root.resolve("guest.raw");
    try (RandomAccessFile file = new RandomAccessFile(raw.toFile(), "rw")) {
      file.setLength(SIZE);
      SplittableRandom random = new SplittableRandom(7);
      // Random data across chunk boundaries, with holes between, and up to the last byte.
      for (long at : new long[] {0, (3L << 20) - 4096, 11L << 20, SIZE - 300_000}) {
        byte[] block = new byte[300_000];
        random.nextBytes(block);
        file.seek(at);
        file.write(block);
      }
    }
    Path qcow2 = root.resolve("guest.qcow2");
    TestFiles.run(
        java.util.List.of(
            "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()));
    String expected = TestFiles.sha256(raw);

    for (Path image : List.of(raw, qcow2)) {
      Vm vm;
      try (InputStream in = Files.newInputStream(image)) {
        vm =
            ImageUploader.upload(agent(), spec("up-" + image.getFileName()), Files.size(image), in);
      }
      assertThat(vm.getName()).isEqualTo("up-" + image.getFileName());
      assertThat(vm.getDisksList()).hasSize(1);
      assertThat(vm.getDisks(0).getSizeBytes()).isEqualTo(SIZE);
      String hash =
          agents
              .agentA()
              .hashDisk(
                  HashDiskRequest.newBuilder()
                      .setVmId(vm.getId())
                      .setDiskId(vm.getDisks(0).getId())
                      .build())
              .getSha256();
      assertThat(hash).as(image.getFileName().toString()).isEqualTo(expected);
    }
    assertThat(uploadTempFiles()).isEmpty();
  }

  @Test
  void R5_aForeignCorruptEmptyOrDamagedUploadIsRefusedAndLeavesNothing() throws Exception {
    int vmsBefore = vmCount();
    Path vmdk = root.resolve("guest.vmdk");
    TestFiles.run(
        java.util.List.of("qemu-img", "create", "-q", "-f", "vmdk", vmdk.toString(), "1M"));
    byte[] corrupt = new byte[2 << 20];
    new SplittableRandom(3).nextBytes(corrupt);
    // A qcow2 magic in front of noise: qemu-img recognises the format and then cannot read it.
    corrupt[0] = 'Q';
    corrupt[1] = 'F';
    corrupt[2] = 'I';
    corrupt[3] = (byte) 0xfb;

    assertRefused(upload(Files.readAllBytes(vmdk)), "image", "vmdk");
    assertRefused(upload(corrupt), "image");
    assertRefused(upload(new byte[0]), "image", "empty");
    assertRefused(
        catchThrowable(
            () ->
                ImageUploader.upload(
                    agent(), spec(""), 4096, new ByteArrayInputStream(new byte[4096]))),
        "name");
    assertRefused(
        catchThrowable(
            () ->
                ImageUploader.upload(
                    agent(),
                    spec("huge"),
                    Long.MAX_VALUE / 2,
                    new ByteArrayInputStream(new byte[1]))),
        "image",
        "room");

    // A chunk whose CRC32C does not match its data.
    CompletableFuture<Vm> answer = new CompletableFuture<>();
    StreamObserver<ImageChunk> requests = agent().importImage(observer(answer));
    requests.onNext(ImageChunk.newBuilder().setSpec(spec("bad-crc")).build());
    requests.onNext(
        ImageChunk.newBuilder()
            .setOffset(0)
            .setData(ByteString.copyFrom(new byte[] {1, 2, 3}))
            .setCrc32C(12345)
            .build());
    requests.onCompleted();
    assertRefused(catchThrowable(() -> answer.get(60, TimeUnit.SECONDS)).getCause(), "CRC32C");

    assertThat(vmCount()).isEqualTo(vmsBefore);
    assertThat(uploadTempFiles()).isEmpty();
  }

  @Test
  void R5_aClientThatDisconnectsMidUploadLeavesNoVmAndNoTempFile() throws Exception {
    int vmsBefore = vmCount();
    byte[] block = new byte[1 << 20];
    new SplittableRandom(9).nextBytes(block);
    // A source that delivers 5 MiB and then fails, as an HTTP client that hangs up would.
    InputStream failing =
        new InputStream() {
          private long served;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (served >= 5L << 20) {
              throw new IOException("client went away");
            }
            int n = (int) Math.min(len, Math.min(block.length, (5L << 20) - served));
            System.arraycopy(block, 0, b, off, n);
            served += n;
            return n;
          }
        };
    Throwable error = catchThrowable(() -> ImageUploader.upload(agent(), spec("gone"), 0, failing));
    assertThat(error).isInstanceOf(IOException.class).hasMessageContaining("went away");

    // The agent learns of the cancellation asynchronously; wait (bounded) for it to clean up.
    for (int i = 0; i < 200 && !uploadTempFiles().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(uploadTempFiles()).isEmpty();
    assertThat(vmCount()).isEqualTo(vmsBefore);
  }

  private static Throwable upload(byte[] image) {
    return catchThrowable(
        () ->
            ImageUploader.upload(
                agent(), spec("refused"), image.length, new ByteArrayInputStream(image)));
  }

  private static void assertRefused(Throwable error, String... words) {
    assertThat(error).isInstanceOf(StatusRuntimeException.class);
    Status status = ((StatusRuntimeException) error).getStatus();
    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    for (String word : words) {
      assertThat(status.getDescription()).contains(word);
    }
  }

  private static StreamObserver<Vm> observer(CompletableFuture<Vm> answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Vm vm) {
        answer.complete(vm);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static int vmCount() {
    return agents.agentA().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount();
  }

  /**
   * The agent's upload and import temp files. The agent deletes them while this looks, so a file or
   * folder that vanishes between listing and visiting is skipped, not an error.
   */
  private static List<Path> uploadTempFiles() throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(
        agents.dataA(),
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult visitFile(
              Path p, java.nio.file.attribute.BasicFileAttributes attrs) {
            String name = p.getFileName().toString();
            if (name.startsWith(".upload-") || name.startsWith(".import-")) {
              found.add(p);
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e)
              throws IOException {
            if (e instanceof java.nio.file.NoSuchFileException) {
              return java.nio.file.FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    return found;
  }
}
