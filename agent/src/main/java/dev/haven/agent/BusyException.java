package dev.haven.agent;

/**
 * Another call is already doing the same work on the same disk or item (a retry that overtook a
 * call still running); the caller may try again shortly.
 */
public class BusyException extends RuntimeException {
  public BusyException(String message) {
    super(message);
  }
}
