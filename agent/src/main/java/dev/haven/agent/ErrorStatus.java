package dev.haven.agent;

import dev.haven.agent.changelog.CorruptLogException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what went wrong inside the agent into the gRPC status its caller sees, so that every
 * service answers the same code for the same cause: unknown ids NOT_FOUND, bad arguments
 * INVALID_ARGUMENT, a forbidden state FAILED_PRECONDITION, damaged data DATA_LOSS, a full disk
 * RESOURCE_EXHAUSTED, a call racing another ABORTED.
 */
public final class ErrorStatus {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorStatus.class);

  private ErrorStatus() {}

  public static StatusRuntimeException of(Throwable error) {
    Throwable t = error;
    if (t instanceof UncheckedIOException unchecked && unchecked.getCause() != null) {
      t = unchecked.getCause();
    }
    if (t instanceof StatusRuntimeException status) {
      return status;
    }
    if (t instanceof StatusException status) {
      return status.getStatus().asRuntimeException(status.getTrailers());
    }
    if (t instanceof NotFoundException) {
      return status(Status.NOT_FOUND, t);
    }
    if (t instanceof IllegalArgumentException) {
      return status(Status.INVALID_ARGUMENT, t);
    }
    if (t instanceof PreconditionException) {
      return status(Status.FAILED_PRECONDITION, t);
    }
    if (t instanceof BusyException) {
      return status(Status.ABORTED, t);
    }
    if (t instanceof CorruptLogException) {
      return status(Status.DATA_LOSS, t);
    }
    String noSpace = noSpaceMessage(t);
    if (noSpace != null) {
      return Status.RESOURCE_EXHAUSTED.withDescription(noSpace).withCause(t).asRuntimeException();
    }
    LOG.warn("internal error", t);
    if (t instanceof IOException) {
      return status(Status.INTERNAL, t);
    }
    return Status.INTERNAL
        .withDescription(t.getClass().getSimpleName() + ": " + t.getMessage())
        .withCause(t)
        .asRuntimeException();
  }

  private static StatusRuntimeException status(Status status, Throwable t) {
    return status.withDescription(t.getMessage()).withCause(t).asRuntimeException();
  }

  /** The message of a "No space left on device" anywhere in the causes, or null. */
  private static String noSpaceMessage(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof IOException && c.getMessage() != null) {
        if (c.getMessage().contains("No space left")) {
          return c.getMessage();
        }
      }
    }
    return null;
  }
}
