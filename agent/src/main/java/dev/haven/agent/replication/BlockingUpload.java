package dev.haven.agent.replication;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.Function;

/**
 * A client-streaming call driven from one sending thread with gRPC flow control: {@link #send}
 * waits until the transport is ready for more (the receiver keeps up) instead of queueing, so a
 * slow target never makes the source buffer a disk in memory. The model is grpc-java's manual flow
 * control example, turned inside out: the on-ready handler wakes the sender rather than producing.
 */
final class BlockingUpload<ReqT, RespT> implements ClientResponseObserver<ReqT, RespT> {
  /** Thrown by {@link #send} when the receiver already answered (or failed) the call. */
  static final class Ended extends RuntimeException {
    Ended() {
      super("the receiver ended the call", null, false, false);
    }
  }

  private final Object monitor = new Object();
  private final long stallNanos;
  private ClientCallStreamObserver<ReqT> call;
  private RespT response;
  private Throwable error;
  private boolean closed;

  private BlockingUpload(Duration stallTimeout) {
    this.stallNanos = stallTimeout.toNanos();
  }

  /**
   * Starts a call: {@code method} is the async stub's client-streaming method, for example {@code
   * stub::writeChunks}. A send that waits longer than {@code stallTimeout} cancels the call.
   */
  static <ReqT, RespT> BlockingUpload<ReqT, RespT> start(
      Function<StreamObserver<RespT>, StreamObserver<ReqT>> method, Duration stallTimeout) {
    BlockingUpload<ReqT, RespT> upload = new BlockingUpload<>(stallTimeout);
    method.apply(upload);
    return upload;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ReqT> requestStream) {
    this.call = requestStream;
    requestStream.setOnReadyHandler(this::wake);
  }

  private void wake() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  /**
   * Sends one message once the transport is ready. Throws {@link Ended} when the receiver has
   * already answered, the receiver's status when it failed, or DEADLINE_EXCEEDED after a stall.
   */
  void send(ReqT message) {
    synchronized (monitor) {
      long deadline = System.nanoTime() + stallNanos;
      while (!closed && !call.isReady()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          cancel("the receiver accepted nothing for " + stallNanos / 1_000_000_000 + " s", null);
          throw Status.DEADLINE_EXCEEDED
              .withDescription("the peer stopped accepting data")
              .asRuntimeException();
        }
        try {
          monitor.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          cancel("interrupted", e);
          throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
      }
      throwIfClosed();
    }
    call.onNext(message);
  }

  /** Half-closes the call and waits for the receiver's answer. */
  RespT finish(Duration timeout) {
    synchronized (monitor) {
      if (!closed) {
        call.onCompleted();
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          cancel("no answer in time", null);
          throw Status.DEADLINE_EXCEEDED
              .withDescription("the peer did not answer within " + timeout.toSeconds() + " s")
              .asRuntimeException();
        }
        try {
          monitor.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          cancel("interrupted", e);
          throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
      }
      if (error != null) {
        throw asStatus(error);
      }
      if (response == null) {
        throw Status.INTERNAL.withDescription("the peer answered nothing").asRuntimeException();
      }
      return response;
    }
  }

  /** Cancels the call (the sender gave up); the receiver discards what it got. */
  void cancel(String why, Throwable cause) {
    call.cancel(why, cause);
  }

  private void throwIfClosed() {
    if (closed) {
      if (error != null) {
        throw asStatus(error);
      }
      throw new Ended();
    }
  }

  private static StatusRuntimeException asStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    return Status.fromThrowable(t).asRuntimeException();
  }

  @Override
  public void onNext(RespT value) {
    synchronized (monitor) {
      response = value;
    }
  }

  @Override
  public void onError(Throwable t) {
    synchronized (monitor) {
      error = t;
      closed = true;
      monitor.notifyAll();
    }
  }

  @Override
  public void onCompleted() {
    synchronized (monitor) {
      closed = true;
      monitor.notifyAll();
    }
  }
}
