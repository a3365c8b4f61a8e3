package dev.haven.api.error;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Answers a request that fails bean validation with 400: {@code field} is the JSON path of the
 * first invalid property and the message names every violation, field first.
 */
@Provider
public class ValidationExceptionMapper implements ExceptionMapper<ConstraintViolationException> {
  @Override
  public Response toResponse(ConstraintViolationException e) {
    List<Violation> violations =
        e.getConstraintViolations().stream()
            .map(ValidationExceptionMapper::describe)
            .sorted(Comparator.comparing(Violation::text))
            .toList();
    if (violations.isEmpty()) {
      return new ApiError("BAD_REQUEST", e.getMessage(), null).toResponse(400);
    }
    String message = violations.stream().map(Violation::text).collect(Collectors.joining("; "));
    return new ApiError("BAD_REQUEST", message, violations.get(0).field()).toResponse(400);
  }

  private record Violation(String field, String text) {}

  private static Violation describe(ConstraintViolation<?> violation) {
    String field = field(violation.getPropertyPath());
    String subject = field != null ? field : subject(violation.getPropertyPath());
    return new Violation(field, subject + " " + violation.getMessage());
  }

  /** The JSON path of the violation inside the request body, or null for the body itself. */
  static String field(Path path) {
    StringBuilder out = new StringBuilder();
    for (Path.Node node : path) {
      ElementKind kind = node.getKind();
      if (kind != ElementKind.PROPERTY && kind != ElementKind.CONTAINER_ELEMENT) {
        continue;
      }
      // Hibernate Validator puts the index of a list element on the node that follows the list.
      if (node.isInIterable() && node.getIndex() != null) {
        out.append('[').append(node.getIndex()).append(']');
      } else if (node.isInIterable() && node.getKey() != null) {
        out.append('[').append(node.getKey()).append(']');
      }
      if (node.getName() != null && !node.getName().startsWith("<")) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(node.getName());
      }
    }
    return out.length() == 0 ? null : out.toString();
  }

  /** What to call a violation that no property holds: a query parameter or the body. */
  private static String subject(Path path) {
    String last = null;
    for (Path.Node node : path) {
      if (node.getKind() == ElementKind.PARAMETER) {
        last = node.getName();
      }
    }
    return last == null || last.startsWith("arg") || last.equals("body")
        ? "the request body"
        : last;
  }
}
