package dev.haven.api.error;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every other failure with 500 and an error id; the stack trace goes to the log under that
 * id and never to the client.
 */
@Provider
public class UnexpectedExceptionMapper implements ExceptionMapper<Throwable> {
  private static final Logger LOG = LoggerFactory.getLogger(UnexpectedExceptionMapper.class);

  @Override
  public Response toResponse(Throwable e) {
    return internalError(LOG, e);
  }

  /** Logs {@code e} under a new id and answers 500 naming only the id. */
  static Response internalError(Logger log, Throwable e) {
    String id = Long.toHexString(ThreadLocalRandom.current().nextLong());
    log.error("request failed, error id {}", id, e);
    return new ApiError(
            "INTERNAL", "internal error " + id + "; the server log has the details", null)
        .toResponse(500);
  }
}
