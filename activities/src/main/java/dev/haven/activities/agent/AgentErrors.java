package dev.haven.activities.agent;

import dev.haven.workflows.model.ErrorType;
import io.grpc.Status;
import io.temporal.failure.ApplicationFailure;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Maps a failed gRPC call to an agent onto the {@link ErrorType} that R16 names: errors that no
 * retry can fix become non-retryable {@link ApplicationFailure}s, the others stay retryable. The
 * message keeps the call, the agent's address and the agent's own words, plus a hint at the fix.
 */
final class AgentErrors {
  private AgentErrors() {}

  /** The failure to throw from an activity for {@code error} raised by {@code call}. */
  static ApplicationFailure failure(String call, String address, Throwable error) {
    Status status = Status.fromThrowable(error);
    ErrorType type = typeOf(status.getCode());
    String description = status.getDescription();
    SSLException tls = tlsRefusal(error);
    if (tls != null) {
      // gRPC reports a refused certificate as UNAVAILABLE ("io exception"); no retry fixes it.
      type = ErrorType.AUTHENTICATION_FAILED;
      description = "TLS handshake refused: " + tls.getMessage();
    } else if (description == null && status.getCause() != null) {
      description = status.getCause().getMessage();
    }
    String message =
        call
            + " on agent "
            + address
            + " failed ("
            + status.getCode()
            + "): "
            + (description == null ? "no details" : description)
            + hint(type);
    return type.recoverable()
        ? ApplicationFailure.newFailureWithCause(message, type.typeName(), error)
        : ApplicationFailure.newNonRetryableFailureWithCause(message, type.typeName(), error);
  }

  static ErrorType typeOf(Status.Code code) {
    return switch (code) {
      case NOT_FOUND -> ErrorType.VM_NOT_FOUND;
      case PERMISSION_DENIED, UNAUTHENTICATED -> ErrorType.AUTHENTICATION_FAILED;
      case FAILED_PRECONDITION -> ErrorType.REPLICA_INVALID_STATE;
      case INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS -> ErrorType.INVALID_REQUEST;
      case UNIMPLEMENTED -> ErrorType.UNSUPPORTED;
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> ErrorType.NETWORK_ERROR;
      case RESOURCE_EXHAUSTED -> ErrorType.LOW_DISK;
      case DATA_LOSS -> ErrorType.DATA_LOSS;
      default -> ErrorType.AGENT_ERROR;
    };
  }

  /** The certificate problem in {@code error}'s causes, if the TLS handshake was refused. */
  private static SSLException tlsRefusal(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SSLHandshakeException handshake
          && !String.valueOf(handshake.getMessage()).contains("terminated the handshake")) {
        return handshake;
      }
      if (t instanceof SSLException ssl
          && String.valueOf(ssl.getMessage()).toLowerCase(Locale.ROOT).contains("certificate")) {
        return ssl;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static String hint(ErrorType type) {
    return switch (type) {
      case AUTHENTICATION_FAILED ->
          "; check that both sides hold certificates signed by the deployment's CA";
      case NETWORK_ERROR -> "; check that the agent runs and that its port is reachable";
      case LOW_DISK -> "; free space on the agent's data folder";
      case UNSUPPORTED -> "; upgrade the agent";
      default -> "";
    };
  }
}
