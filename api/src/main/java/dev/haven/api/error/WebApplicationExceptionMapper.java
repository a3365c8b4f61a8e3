package dev.haven.api.error;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Locale;

/**
 * Answers Jersey's own refusals (no such path, method not allowed, unsupported media type …) in the
 * API's error format instead of HTML.
 */
@Provider
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {
  @Override
  public Response toResponse(WebApplicationException e) {
    Response original = e.getResponse();
    int status = original.getStatus();
    String message;
    if (e instanceof NotFoundException) {
      message = "no such resource";
    } else if (e instanceof NotAllowedException) {
      message = "method not allowed here; allowed: " + original.getAllowedMethods();
    } else if (e instanceof NotSupportedException) {
      message = "unsupported media type; send application/json";
    } else {
      message = e.getMessage();
    }
    Response.StatusType type = original.getStatusInfo();
    String code = type.getReasonPhrase().toUpperCase(Locale.ROOT).replace(' ', '_');
    Response.ResponseBuilder answer =
        Response.fromResponse(new ApiError(code, message, null).toResponse(status));
    if (e instanceof NotAllowedException) {
      answer.allow(original.getAllowedMethods());
    }
    return answer.build();
  }
}
