package dev.haven.dist.client;

/** An answer of the Haven API that was not a success, with its status and error body. */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String body;

  public ApiException(String request, int status, String body) {
    super(request + " answered " + status + ": " + body);
    this.status = status;
    this.body = body;
  }

  public int status() {
    return status;
  }

  public String body() {
    return body;
  }
}
