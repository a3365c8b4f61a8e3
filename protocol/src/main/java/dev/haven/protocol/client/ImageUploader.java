package dev.haven.protocol.client;

import com.google.protobuf.ByteString;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceStub;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.ImageChunk;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.zip.CRC32C;

/**
 * The sending end of {@code ImportImage} (R5 import by upload): streams an image from an input
 * stream to an agent in chunks of at most 1 MiB, each with its CRC32C, holding at most one chunk in
 * memory and waiting for gRPC's flow control before each send, so an image of any size passes
 * through in constant memory. A source that fails mid-upload cancels the call, and the agent then
 * discards what it received.
 */
public final class ImageUploader {
  /** The most data one chunk carries. */
  public static final int CHUNK = 1 << 20;

  private ImageUploader() {}

  /**
   * Uploads {@code image} as the disk of a new VM of {@code spec}; {@code sizeBytes} is the image's
   * size when known (0 otherwise), which lets the agent refuse one too large before any byte.
   *
   * @throws StatusRuntimeException the agent's refusal
   * @throws IOException reading {@code image} failed (the call is then cancelled)
   */
  public static Vm upload(
      AgentServiceStub agent, CreateVmRequest spec, long sizeBytes, InputStream image)
      throws IOException {
    CompletableFuture<Vm> answer = new CompletableFuture<>();
    Object ready = new Object();
    ClientResponseObserver<ImageChunk, Vm> responses =
        new ClientResponseObserver<>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<ImageChunk> requests) {
            requests.setOnReadyHandler(() -> wake(ready));
          }

          @Override
          public void onNext(Vm vm) {
            answer.complete(vm);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
            wake(ready);
          }

          @Override
          public void onCompleted() {
            answer.completeExceptionally(
                Status.INTERNAL.withDescription("the agent answered no VM").asRuntimeException());
          }
        };
    ClientCallStreamObserver<ImageChunk> requests =
        (ClientCallStreamObserver<ImageChunk>) agent.importImage(responses);
    try {
      requests.onNext(ImageChunk.newBuilder().setSpec(spec).setSizeBytes(sizeBytes).build());
      byte[] buffer = new byte[CHUNK];
      long offset = 0;
      while (!answer.isDone()) {
        int n = image.readNBytes(buffer, 0, CHUNK);
        if (n == 0) {
          break;
        }
        awaitReady(requests, answer, ready);
        if (answer.isDone()) {
          // The agent refused already (too large, bad chunk): its answer says why.
          break;
        }
        requests.onNext(chunk(buffer, n, offset));
        offset += n;
      }
      requests.onCompleted();
    } catch (IOException | RuntimeException | Error e) {
      requests.cancel("the image's source failed: " + e, e);
      throw e;
    }
    try {
      return answer.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      throw Status.fromThrowable(e.getCause()).asRuntimeException();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      requests.cancel("interrupted", e);
      throw new IOException("interrupted while the agent imported the image", e);
    }
  }

  private static ImageChunk chunk(byte[] buffer, int n, long offset) {
    ImageChunk.Builder chunk = ImageChunk.newBuilder().setOffset(offset);
    if (allZero(buffer, n)) {
      // Zeros travel as a length only, and stay a hole in the agent's temp file.
      return chunk.setZero(true).setLength(n).build();
    }
    CRC32C crc = new CRC32C();
    crc.update(buffer, 0, n);
    return chunk
        .setData(ByteString.copyFrom(buffer, 0, n))
        .setCrc32C((int) crc.getValue())
        .setLength(n)
        .build();
  }

  private static boolean allZero(byte[] buffer, int n) {
    for (int i = 0; i < n; i++) {
      if (buffer[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static void awaitReady(
      ClientCallStreamObserver<ImageChunk> requests, CompletableFuture<Vm> answer, Object ready)
      throws IOException {
    synchronized (ready) {
      while (!requests.isReady() && !answer.isDone()) {
        try {
          // Timed, so that a readiness change between the check and the wait costs 100 ms at most.
          ready.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while uploading the image", e);
        }
      }
    }
  }

  private static void wake(Object ready) {
    synchronized (ready) {
      ready.notifyAll();
    }
  }
}
