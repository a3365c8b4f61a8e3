package dev.haven.api.error;

import jakarta.ws.rs.core.Response.Status;

/**
 * A refused request, answered as an {@link ApiError} with its status: 400 for bad input, 404 for an
 * unknown id, 409 for an operation that the current state forbids, 503 when a component the API
 * depends on (Temporal, an agent) cannot be reached.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String field;

  public ApiException(int status, String code, String message, String field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** 400: {@code field} is malformed or invalid; the message names it. */
  public static ApiException badRequest(String field, String message) {
    return new ApiException(Status.BAD_REQUEST.getStatusCode(), "BAD_REQUEST", message, field);
  }

  /**
   * 404: no {@code kind} has the id {@code id}; {@code field} is set when the id came in a body.
   */
  public static ApiException notFound(String kind, String id, String field) {
    return new ApiException(
        Status.NOT_FOUND.getStatusCode(),
        "NOT_FOUND",
        kind + " '" + id + "' does not exist",
        field);
  }

  /** 409: the state forbids the operation; the message says the state and what is allowed. */
  public static ApiException conflict(String message) {
    return new ApiException(Status.CONFLICT.getStatusCode(), "CONFLICT", message, null);
  }

  /** 503: a component that the operation needs did not answer. */
  public static ApiException unavailable(String message) {
    return new ApiException(
        Status.SERVICE_UNAVAILABLE.getStatusCode(), "UNAVAILABLE", message, null);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }

  /** The body that answers this exception. */
  public ApiError toError() {
    return new ApiError(code, getMessage(), field);
  }
}
