package dev.haven.api.core;

import io.grpc.StatusRuntimeException;

/** Short, operator-readable reasons for failures of Temporal calls. */
final class Failures {
  private Failures() {}

  /** The innermost useful message of {@code e}, e.g. the gRPC status of an unreachable server. */
  static String reason(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusRuntimeException s) {
      String description = s.getStatus().getDescription();
      return "Temporal answered "
          + s.getStatus().getCode()
          + (description == null ? "" : " (" + description + ")");
    }
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
