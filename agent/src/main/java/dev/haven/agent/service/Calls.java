package dev.haven.agent.service;

import dev.haven.agent.ErrorStatus;
import io.grpc.stub.StreamObserver;

/** Runs the body of a unary call and answers its result or the status of what went wrong. */
final class Calls {
  /** A call body that may fail with any exception. */
  @FunctionalInterface
  interface Body<T> {
    T run() throws Exception;
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
}
