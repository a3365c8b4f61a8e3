package dev.haven.agent.service;

import dev.haven.agent.ErrorStatus;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Runs the body of a call and answers its result or the status of what went wrong. */
final class Calls {
  /** A call body that may fail with any exception. */
  @FunctionalInterface
  interface Body<T> {
    T run() throws Exception;
  }

  /**
   * The body of a server-streaming call: it reports each message to {@code progress} and stops
   * early when {@code cancelled} says the caller has left.
   */
  @FunctionalInterface
  interface StreamBody<T> {
    void run(Consumer<T> progress, BooleanSupplier cancelled) throws Exception;
  }

  private Calls() {}

  static <T> void unary(StreamObserver<T> responses, Body<T> body) {
    T result;
    try {
      result = body.run();
    } catch (Throwable t) {
      responses.onError(ErrorStatus.of(t));
      return;
    }
    responses.onNext(result);
    responses.onCompleted();
  }

  /** Streams what the body reports until it ends, then completes or answers what went wrong. */
  static <T> void streaming(StreamObserver<T> responses, StreamBody<T> body) {
    ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) responses;
    // With a cancel handler set, a late onNext after the caller left is dropped, not thrown.
    call.setOnCancelHandler(() -> {});
    try {
      body.run(
          progress -> {
            if (!call.isCancelled()) {
              call.onNext(progress);
            }
          },
          call::isCancelled);
      call.onCompleted();
    } catch (Throwable t) {
      call.onError(ErrorStatus.of(t));
    }
  }
}
