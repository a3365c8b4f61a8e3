package dev.haven.api;

/** The API could not start; its cause says why (Dropwizard printed it as well). */
public class ApiStartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ApiStartupException(Throwable cause) {
    super("the Haven API could not start: " + cause.getMessage(), cause);
  }
}
