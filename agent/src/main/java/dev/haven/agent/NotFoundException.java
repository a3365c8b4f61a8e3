package dev.haven.agent;

/** A request named a VM, disk or protected item that this agent does not have. */
public class NotFoundException extends RuntimeException {
  public NotFoundException(String message) {
    super(message);
  }
}
