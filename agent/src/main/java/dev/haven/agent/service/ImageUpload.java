package dev.haven.agent.service;

import dev.haven.agent.ErrorStatus;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.ImageImporter;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.ImageChunk;
import dev.haven.protocol.Vm;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of one {@code ImportImage} call (R5 import by upload): writes the uploaded
 * bytes to a temp file in the agent's data folder, checking each chunk's CRC32C and offset, then
 * lets {@link ImageImporter} make the VM from it. The temp file is deleted however the call ends
 * (imported, refused, or abandoned by the client), so an upload never leaves anything behind but
 * the VM it made.
 */
final class ImageUpload implements StreamObserver<ImageChunk> {
  /** The most data one chunk may carry, as for replication chunks. */
  static final int MAX_CHUNK = 1 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(ImageUpload.class);

  private final FileVmDriver driver;
  private final Path dataDir;
  private final Function<VmRecord, Vm> answer;
  private final StreamObserver<Vm> responses;
  private CreateVmRequest spec;
  private Path temp;
  private FileChannel file;
  private long received;
  private long limit;
  private boolean failed;

  ImageUpload(
      FileVmDriver driver,
      Path dataDir,
      Function<VmRecord, Vm> answer,
      StreamObserver<Vm> responses) {
    this.driver = driver;
    this.dataDir = dataDir;
    this.answer = answer;
    this.responses = responses;
  }

  @Override
  public void onNext(ImageChunk chunk) {
    if (failed) {
      return;
    }
    try {
      if (spec == null) {
        start(chunk);
      } else {
        write(chunk);
      }
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void start(ImageChunk first) throws IOException {
    if (!first.hasSpec()) {
      throw new IllegalArgumentException("spec: the first message of an upload carries the VM");
    }
    CreateVmRequest request = first.getSpec();
    if (request.getName().isBlank()) {
      throw new IllegalArgumentException("name: an imported VM needs a name");
    }
    if (!request.getImagePath().isEmpty() || request.getDiskSizeBytesCount() > 0) {
      throw new IllegalArgumentException(
          "spec: an uploaded image names no image_path and no disk_size_bytes");
    }
    Path scratch = dataDir.resolve("vms");
    Files.createDirectories(scratch);
    // The upload and the raw disk converted from it must both fit, so an upload may take at most
    // half of the space that is free when it starts.
    limit = Files.getFileStore(scratch).getUsableSpace() / 2;
    if (first.getSizeBytes() > limit) {
      throw new IllegalArgumentException(tooLarge(first.getSizeBytes()));
    }
    spec = request;
    temp = Files.createTempFile(scratch, ".upload-", ".img");
    file = FileChannel.open(temp, StandardOpenOption.WRITE);
    if (first.getLength() > 0 || !first.getData().isEmpty()) {
      write(first);
    }
  }

  private void write(ImageChunk chunk) throws IOException {
    int length = chunk.getZero() ? chunk.getLength() : chunk.getData().size();
    if (length <= 0 || length > MAX_CHUNK) {
      throw new IllegalArgumentException(
          "image: a chunk carries 1 to " + MAX_CHUNK + " bytes, not " + length);
    }
    if (chunk.getOffset() != received) {
      throw new IllegalArgumentException(
          "image: chunk at offset " + chunk.getOffset() + " where " + received + " was expected");
    }
    if (received + length > limit) {
      throw new IllegalArgumentException(tooLarge(received + length));
    }
    if (!chunk.getZero()) {
      ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
      CRC32C crc = new CRC32C();
      crc.update(data.duplicate());
      if ((int) crc.getValue() != chunk.getCrc32C()) {
        throw new IllegalArgumentException(
            "image: chunk at offset " + chunk.getOffset() + " fails its CRC32C check");
      }
      long at = received;
      while (data.hasRemaining()) {
        at += file.write(data, at);
      }
    }
    // Zero chunks are not written: the file's length, set at the end, makes them a hole.
    received += length;
  }

  private String tooLarge(long bytes) {
    return "image: "
        + bytes
        + " bytes is more than this agent has room for ("
        + limit
        + " bytes, half its free space, since the converted disk needs room too)";
  }

  @Override
  public void onError(Throwable t) {
    // The client went away (disconnect, cancel, deadline): the upload is abandoned.
    LOG.info("image upload abandoned after {} bytes: {}", received, t.toString());
    failed = true;
    discard();
  }

  @Override
  public void onCompleted() {
    if (failed) {
      return;
    }
    Vm vm;
    try {
      if (spec == null) {
        throw new IllegalArgumentException("spec: the upload carried no message");
      }
      if (received == 0) {
        throw new IllegalArgumentException("image: the upload is empty");
      }
      file.truncate(received);
      if (file.size() < received) {
        // A trailing zero chunk: extend the file to the image's length without writing zeros.
        file.write(ByteBuffer.allocate(1), received - 1);
      }
      file.force(false);
      file.close();
      VmSpec vmSpec =
          new VmSpec(
              spec.getName(),
              spec.getCpus(),
              spec.getMemoryMib(),
              List.of(),
              spec.getNetworksList(),
              "");
      try {
        VmRecord made = new ImageImporter(driver, dataDir).importVm(vmSpec, temp);
        if (responses instanceof ServerCallStreamObserver<Vm> call && call.isCancelled()) {
          // The caller went away during the conversion and will never learn of this VM.
          driver.delete(made.id());
          LOG.info("image upload cancelled during its import; VM {} removed", made.id());
          return;
        }
        vm = answer.apply(made);
      } catch (IllegalArgumentException e) {
        // The importer names the temp file's path; the caller knows it only as the image.
        throw new IllegalArgumentException(
            e.getMessage().replace("image_path " + temp, "image").replace("image_path", "image"),
            e);
      }
    } catch (Throwable t) {
      fail(t);
      return;
    } finally {
      discard();
    }
    responses.onNext(vm);
    responses.onCompleted();
  }

  private void fail(Throwable t) {
    failed = true;
    discard();
    responses.onError(ErrorStatus.of(t));
  }

  private void discard() {
    try {
      if (file != null) {
        file.close();
      }
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      LOG.warn("could not delete the upload's temp file {}", temp, e);
    }
  }
}
