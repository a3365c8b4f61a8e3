package dev.haven.agent.changelog;

import java.io.IOException;

/** A change log whose records or trailer do not match their checksums. */
public class CorruptLogException extends IOException {
  public CorruptLogException(String message) {
    super(message);
  }
}
