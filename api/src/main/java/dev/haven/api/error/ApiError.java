package dev.haven.api.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The body of every error answer: a stable {@code code}, a message for people and, when one input
 * field is at fault, its JSON path in {@code field}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String code, String message, String field) {

  /** The JSON response carrying this error with {@code status}. */
  public Response toResponse(int status) {
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(this).build();
  }
}
