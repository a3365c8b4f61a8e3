package dev.haven.api.error;

import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request body that is not the JSON its resource expects with 400, naming the JSON path
 * of the bad property in {@code field} whenever Jackson knows it. Failures to write JSON are bugs
 * of the server and answer 500.
 */
@Provider
public class JsonExceptionMapper implements ExceptionMapper<JsonProcessingException> {
  private static final Logger LOG = LoggerFactory.getLogger(JsonExceptionMapper.class);

  @Override
  public Response toResponse(JsonProcessingException e) {
    if (e instanceof JsonGenerationException || e instanceof InvalidDefinitionException) {
      return UnexpectedExceptionMapper.internalError(LOG, e);
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return bad(
          path(unknown.getPath()),
          "unknown property '"
              + unknown.getPropertyName()
              + "'"
              + known(unknown.getKnownPropertyIds()));
    }
    if (e instanceof MismatchedInputException mismatch) {
      String field = path(mismatch.getPath());
      String expected = Expectations.describe(mismatch.getTargetType());
      String message =
          field == null ? "the request body must be " + expected : field + " must be " + expected;
      return bad(field, message);
    }
    if (e instanceof JsonMappingException mapping) {
      String field = path(mapping.getPath());
      return bad(field, (field == null ? "" : field + ": ") + mapping.getOriginalMessage());
    }
    String field = e.getProcessor() instanceof JsonParser parser ? where(parser) : null;
    return bad(field, "malformed JSON: " + e.getOriginalMessage());
  }

  private static Response bad(String field, String message) {
    return new ApiError("BAD_REQUEST", message, field).toResponse(400);
  }

  private static String known(Collection<Object> ids) {
    if (ids == null || ids.isEmpty()) {
      return "";
    }
    return "; known properties: "
        + ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
  }

  /** The dotted JSON path of a mapping failure, e.g. {@code disks[0].sizeBytes}. */
  static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : refs) {
      if (ref.getFieldName() != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.length() == 0 ? null : out.toString();
  }

  /** Where the parser stood when the syntax broke, as a dotted path, or null at the top. */
  static String where(JsonParser parser) {
    try {
      Deque<String> parts = new ArrayDeque<>();
      for (JsonStreamContext c = parser.getParsingContext(); c != null; c = c.getParent()) {
        if (c.inObject() && c.getCurrentName() != null) {
          parts.addFirst("." + c.getCurrentName());
        } else if (c.inArray() && c.getCurrentIndex() >= 0) {
          parts.addFirst("[" + c.getCurrentIndex() + "]");
        }
      }
      String path = String.join("", parts);
      if (path.startsWith(".")) {
        path = path.substring(1);
      }
      return path.isEmpty() ? null : path;
    } catch (RuntimeException ignored) {
      // A parser that cannot say where it stood leaves the field out; the message still helps.
      return null;
    }
  }
}
