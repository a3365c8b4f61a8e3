package dev.haven.agent;

/**
 * A request that is well formed but that the current state of a VM or protected item forbids; the
 * message says the state and what would be allowed.
 */
public class PreconditionException extends RuntimeException {
  public PreconditionException(String message) {
    super(message);
  }
}
